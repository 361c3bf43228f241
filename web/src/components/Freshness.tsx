/** How fresh the read model is: the newest change it has applied for the tenant (search and stats trail writes). */
export function Freshness({ newestUpdatedAt, readAt }: { newestUpdatedAt: string | null; readAt: Date }) {
  if (newestUpdatedAt === null) return <p className="freshness">Read model: nothing projected for your tenant yet.</p>;
  const ageSeconds = Math.max(0, Math.round((readAt.getTime() - Date.parse(newestUpdatedAt)) / 1000));
  return (
    <p className="freshness">
      Read model: newest change applied <time dateTime={newestUpdatedAt}>{new Date(newestUpdatedAt).toLocaleString()}</time> ({ageSeconds} s before this answer). Writes show
      up here after the event pipeline delivers them.
    </p>
  );
}
