import { useId, useState, type FormEvent } from 'react';

export interface EntityDraft {
  readonly name: string;
  readonly visibility: 'public' | 'private';
  readonly attributes: Record<string, unknown>;
}

/** Name, visibility and attributes (as JSON) of an entity; the API validates what is sent and the page shows its problems. */
export function EntityForm({ initial, submitLabel, busy, onSubmit, onCancel }: { initial: EntityDraft; submitLabel: string; busy: boolean; onSubmit: (draft: EntityDraft) => void; onCancel?: () => void }) {
  const id = useId();
  const [name, setName] = useState(initial.name);
  const [visibility, setVisibility] = useState(initial.visibility);
  const [attributes, setAttributes] = useState(JSON.stringify(initial.attributes, null, 2));
  const [jsonError, setJsonError] = useState<string>();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(attributes || '{}');
    } catch (error) {
      setJsonError(`Attributes are not valid JSON: ${(error as Error).message}`);
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      setJsonError('Attributes must be a JSON object, e.g. {"colour": "blue"}.');
      return;
    }
    setJsonError(undefined);
    onSubmit({ name, visibility, attributes: parsed as Record<string, unknown> });
  };

  return (
    <form className="entity-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
      </div>
      <fieldset className="field">
        <legend>Visibility</legend>
        {(['private', 'public'] as const).map((v) => (
          <label key={v} className="inline">
            <input type="radio" name={`${id}-visibility`} value={v} checked={visibility === v} onChange={() => setVisibility(v)} /> {v}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-attributes`}>Attributes (JSON object)</label>
        <textarea
          id={`${id}-attributes`}
          value={attributes}
          onChange={(e) => setAttributes(e.target.value)}
          rows={8}
          spellCheck={false}
          aria-invalid={jsonError !== undefined}
          aria-describedby={jsonError ? `${id}-attributes-error` : undefined}
        />
        {jsonError && (
          <p id={`${id}-attributes-error`} className="field-error" role="alert">
            {jsonError}
          </p>
        )}
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
