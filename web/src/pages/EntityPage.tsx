import { useState } from 'react';
import { MERGE_PATCH_CONTENT_TYPE, type Entity } from 'entity-platform/client';
import { ApiError, call, problemOf, type ShownProblem } from '../api.ts';
import { AttributeTree } from '../components/AttributeTree.tsx';
import { EntityForm, type EntityDraft } from '../components/EntityForm.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { ProblemView } from '../components/ProblemView.tsx';
import { useSession } from '../context.ts';
import { mergePatchBetween } from '../mergePatch.ts';
import { navigate } from '../router.tsx';
import { useCall } from '../useCall.ts';

interface Loaded {
  readonly entity: Entity;
  readonly etag: string;
}

/** What the user tried when the entity had changed underneath (412): re-applied to the current version on request. */
type Pending = { readonly kind: 'patch'; readonly patch: unknown; readonly sentVersion: number } | { readonly kind: 'delete'; readonly sentVersion: number };

const etagOf = (response: Response, entity: Entity) => response.headers.get('etag') ?? `"${entity.version}"`;

/** One entity: attributes as a tree, version and ETag, history; edit (merge patch) and delete, both pinned with If-Match. */
export function EntityPage({ id }: { id: string }) {
  const { api } = useSession();
  const [loaded, setLoaded] = useState<Loaded>();
  const [mode, setMode] = useState<'view' | 'edit' | 'confirm-delete'>('view');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ShownProblem>();
  const [conflict, setConflict] = useState<Pending>();
  const [notice, setNotice] = useState<string>();
  const [historyRound, setHistoryRound] = useState(0);

  const load = useCall(async () => {
    const { data, response } = await call(api.GET('/api/v1/secure/entities/{id}', { params: { path: { id } } }));
    const next = { entity: data, etag: etagOf(response, data) };
    setLoaded(next);
    return next;
  }, [api, id]);
  const history = useCall(async () => (await call(api.GET('/api/v1/secure/entities/{id}/history', { params: { path: { id }, query: { limit: 20 } } }))).data, [api, id, historyRound]);

  const current = loaded ?? load.data;

  const run = async (pending: Pending, etag: string) => {
    setBusy(true);
    setProblem(undefined);
    try {
      if (pending.kind === 'patch') {
        const { data, response } = await call(
          api.PATCH('/api/v1/secure/entities/{id}', {
            params: { path: { id }, header: { 'If-Match': etag } },
            headers: { 'Content-Type': MERGE_PATCH_CONTENT_TYPE },
            body: pending.patch as never,
          }),
        );
        setLoaded({ entity: data, etag: etagOf(response, data) });
        setNotice(`Saved: version ${data.version}.`);
        setMode('view');
      } else {
        await call(api.DELETE('/api/v1/secure/entities/{id}', { params: { path: { id }, header: { 'If-Match': etag } } }));
        navigate('/', { replace: true });
        return;
      }
      setConflict(undefined);
      setHistoryRound((r) => r + 1);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        // Someone changed it: show the version that is current now, and keep what the user tried.
        const { data, response } = await call(api.GET('/api/v1/secure/entities/{id}', { params: { path: { id } } })).catch(() => ({ data: undefined, response: undefined }));
        if (data && response) setLoaded({ entity: data, etag: etagOf(response, data) });
        setConflict(pending);
        setMode('view');
      } else setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  };

  const save = (entity: Entity, etag: string, draft: EntityDraft) => {
    const patch = mergePatchBetween({ name: entity.name, visibility: entity.visibility, attributes: entity.attributes }, draft);
    if (patch === undefined) {
      setNotice('Nothing changed.');
      setMode('view');
      return;
    }
    void run({ kind: 'patch', patch, sentVersion: entity.version }, etag);
  };

  if (!current) {
    return (
      <>
        <PageTitle>Entity</PageTitle>
        {load.problem ? <ProblemView problem={load.problem} /> : <p aria-live="polite">Loading…</p>}
      </>
    );
  }
  const { entity, etag } = current;
  return (
    <>
      <PageTitle>{entity.name}</PageTitle>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {conflict && (
        <div className="conflict" role="alert">
          <p>
            <strong>Someone changed this entity.</strong> You edited version {conflict.sentVersion}; it is now version {entity.version}, shown below. Your{' '}
            {conflict.kind === 'patch' ? 'change was' : 'delete was'} not applied (412 Precondition Failed).
          </p>
          {conflict.kind === 'patch' && (
            <details>
              <summary>Your change (JSON Merge Patch)</summary>
              <pre>{JSON.stringify(conflict.patch, null, 2)}</pre>
            </details>
          )}
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => void run(conflict, etag)}>
              {conflict.kind === 'patch' ? `Re-apply my change to version ${entity.version}` : `Delete version ${entity.version}`}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setConflict(undefined)}>
              Discard my {conflict.kind === 'patch' ? 'change' : 'delete'}
            </button>
          </div>
        </div>
      )}
      {problem && <ProblemView problem={problem} />}
      <dl className="facts">
        <dt>Id</dt>
        <dd>
          <code>{entity.id}</code>
        </dd>
        <dt>Version</dt>
        <dd>{entity.version}</dd>
        <dt>ETag</dt>
        <dd>
          <code>{etag}</code>
        </dd>
        <dt>Visibility</dt>
        <dd>{entity.visibility}</dd>
        <dt>Created</dt>
        <dd>
          <time dateTime={entity.createdAt}>{new Date(entity.createdAt).toLocaleString()}</time>
        </dd>
        <dt>Updated</dt>
        <dd>
          <time dateTime={entity.updatedAt}>{new Date(entity.updatedAt).toLocaleString()}</time>
        </dd>
      </dl>
      {mode === 'edit' ? (
        <section aria-labelledby="edit-heading">
          <h2 id="edit-heading">Edit (version {entity.version})</h2>
          <EntityForm
            initial={{ name: entity.name, visibility: entity.visibility, attributes: entity.attributes }}
            submitLabel="Save"
            busy={busy}
            onSubmit={(draft) => save(entity, etag, draft)}
            onCancel={() => setMode('view')}
          />
        </section>
      ) : (
        <>
          <section aria-labelledby="attributes-heading">
            <h2 id="attributes-heading">Attributes</h2>
            <AttributeTree value={entity.attributes} label="Attributes" />
          </section>
          <div className="actions">
            <button type="button" onClick={() => { setNotice(undefined); setMode('edit'); }}>
              Edit
            </button>
            {mode === 'confirm-delete' ? (
              <span role="group" aria-label="Confirm delete">
                Delete version {entity.version}?{' '}
                <button type="button" className="danger" disabled={busy} onClick={() => void run({ kind: 'delete', sentVersion: entity.version }, etag)}>
                  Yes, delete
                </button>{' '}
                <button type="button" className="secondary" onClick={() => setMode('view')}>
                  Keep it
                </button>
              </span>
            ) : (
              <button type="button" className="danger" onClick={() => setMode('confirm-delete')}>
                Delete
              </button>
            )}
          </div>
        </>
      )}
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <p className="muted">From the audit trail: it trails a write by the event latency (about a second).</p>
        <button type="button" className="secondary" onClick={() => setHistoryRound((r) => r + 1)}>
          Refresh history
        </button>
        {history.problem && history.problem.status !== 404 && <ProblemView problem={history.problem} />}
        {history.problem?.status === 404 && <p className="muted">No history recorded yet.</p>}
        {history.data && (
          <table>
            <caption>Changes, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Change</th>
                <th scope="col">When</th>
                <th scope="col">Correlation id</th>
              </tr>
            </thead>
            <tbody>
              {history.data.items.map((event) => (
                <tr key={event.eventId}>
                  <td className="number">{event.version}</td>
                  <td>{event.type}</td>
                  <td>
                    <time dateTime={event.occurredAt}>{new Date(event.occurredAt).toLocaleString()}</time>
                  </td>
                  <td>
                    <code>{event.correlationId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
