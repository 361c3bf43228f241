/** Attributes (any JSON) as a nested list: objects and arrays open into their members. */
export function AttributeTree({ value, label }: { value: unknown; label?: string }) {
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) return <p className="muted">No attributes.</p>;
  return (
    <ul className="tree" aria-label={label}>
      {members(value)}
    </ul>
  );
}

function members(value: unknown) {
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v]) : Object.entries(value as Record<string, unknown>);
  return entries.map(([key, member]) => (
    <li key={key}>
      <span className="tree-key">{key}</span>
      {member !== null && typeof member === 'object' ? (
        <ul className="tree">{members(member)}</ul>
      ) : (
        <>
          : <span className={`tree-value tree-${member === null ? 'null' : typeof member}`}>{JSON.stringify(member)}</span>
        </>
      )}
    </li>
  ));
}
