import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { components } from 'entity-platform/client';
import { call, problemOf, type ShownProblem } from '../api.ts';
import { PageTitle } from '../components/PageTitle.tsx';
import { ProblemView } from '../components/ProblemView.tsx';
import { useSession } from '../context.ts';

type Job = components['schemas']['Job'];
interface Reject {
  readonly line: number;
  readonly reason: string;
  readonly errors?: readonly { path: string; message: string }[];
}

const RUNNING: readonly Job['state'][] = ['QUEUED', 'RUNNING'];
const storageKey = (tenantId: string) => `entity-platform.jobs.${tenantId}`;

/** The jobs started from this browser (the API has no list of jobs): newest first. */
function useJobIds(tenantId: string): [string[], (id: string) => void] {
  const [ids, setIds] = useState<string[]>(() => {
    try {
      return JSON.parse(localStorage.getItem(storageKey(tenantId)) ?? '[]') as string[];
    } catch {
      return [];
    }
  });
  const add = (id: string) =>
    setIds((current) => {
      const next = [id, ...current.filter((c) => c !== id)].slice(0, 20);
      localStorage.setItem(storageKey(tenantId), JSON.stringify(next));
      return next;
    });
  return [ids, add];
}

/** Admins: import a file (uploaded to the jobs bucket through a pre-signed URL), export, follow jobs, read rejects, download exports. */
export function JobsPage() {
  const { api, user } = useSession();
  const [ids, addId] = useJobIds(user.tenantId);
  const [file, setFile] = useState<File>();
  const [status, setStatus] = useState<string>();
  const [problem, setProblem] = useState<ShownProblem>();
  const [busy, setBusy] = useState(false);

  const start = async (work: () => Promise<Job>) => {
    setBusy(true);
    setProblem(undefined);
    try {
      const job = await work();
      addId(job.jobId);
      setStatus(`Started ${job.kind} job ${job.jobId}.`);
    } catch (error) {
      setProblem(problemOf(error));
      setStatus(undefined);
    } finally {
      setBusy(false);
    }
  };

  const importFile = (event: FormEvent) => {
    event.preventDefault();
    if (!file) {
      setProblem({ title: 'Choose a file to import', detail: 'An NDJSON file (one entity per line) or a CSV file with a header row.' });
      return;
    }
    void start(async () => {
      setStatus(`Uploading ${file.name}…`);
      const { data: target } = await call(api.POST('/api/v1/secure/jobs/uploads', { body: { fileName: file.name } }));
      const uploaded = await fetch(target.upload.url, { method: target.upload.method, headers: target.upload.headers, body: file });
      if (!uploaded.ok) throw new Error(`The upload to the jobs bucket failed: ${uploaded.status} ${await uploaded.text()}`);
      setStatus('Starting the import…');
      return (await call(api.POST('/api/v1/secure/jobs', { params: { header: { 'Idempotency-Key': crypto.randomUUID() } }, body: { kind: 'import', source: target.source, spot: true } }))).data;
    });
  };
  const exportAll = () => void start(async () => (await call(api.POST('/api/v1/secure/jobs', { params: { header: { 'Idempotency-Key': crypto.randomUUID() } }, body: { kind: 'export', spot: true } }))).data);

  return (
    <>
      <PageTitle>Jobs</PageTitle>
      <section aria-labelledby="import-heading">
        <h2 id="import-heading">Import</h2>
        <form className="inline-form" onSubmit={importFile}>
          <label htmlFor="import-file">File (NDJSON or CSV)</label>
          <input id="import-file" type="file" accept=".ndjson,.jsonl,.json,.csv,text/csv,application/x-ndjson" onChange={(e) => setFile(e.target.files?.[0])} />
          <button type="submit" disabled={busy}>
            Upload and import
          </button>
        </form>
      </section>
      <section aria-labelledby="export-heading">
        <h2 id="export-heading">Export</h2>
        <p>All of tenant {user.tenantId}'s entities, as NDJSON.</p>
        <button type="button" onClick={exportAll} disabled={busy}>
          Export all entities
        </button>
      </section>
      <p role="status" aria-live="polite">
        {status}
      </p>
      {problem && <ProblemView problem={problem} />}
      <section aria-labelledby="jobs-heading">
        <h2 id="jobs-heading">Jobs started here</h2>
        {ids.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <ul className="jobs-list">
            {ids.map((id) => (
              <li key={id}>
                <JobCard id={id} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

/** One job, polled every second while it runs; its rejected lines or its export once it has finished. */
function JobCard({ id }: { id: string }) {
  const { api } = useSession();
  const [job, setJob] = useState<Job>();
  const [problem, setProblem] = useState<ShownProblem>();
  const [rejects, setRejects] = useState<Reject[]>();
  const [download, setDownload] = useState<string>();
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => {
    let live = true;
    const poll = async () => {
      try {
        const { data } = await call(api.GET('/api/v1/secure/jobs/{id}', { params: { path: { id } } }));
        if (!live) return;
        setJob(data);
        setProblem(undefined);
        if (RUNNING.includes(data.state)) timer.current = setTimeout(() => void poll(), 1000);
      } catch (error) {
        if (live) setProblem(problemOf(error));
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer.current);
    };
  }, [api, id]);

  useEffect(() => {
    if (job?.kind !== 'export' || job.state !== 'SUCCEEDED') return;
    call(api.GET('/api/v1/secure/jobs/{id}/files/{file}', { params: { path: { id, file: 'export' } } })).then(
      ({ data }) => setDownload(data.url),
      (error: unknown) => setProblem(problemOf(error)),
    );
  }, [api, id, job?.kind, job?.state]);

  const showRejects = async () => {
    try {
      const { data } = await call(api.GET('/api/v1/secure/jobs/{id}/files/{file}', { params: { path: { id, file: 'rejects' } } }));
      const response = await fetch(data.url);
      if (!response.ok) throw new Error(`The rejects file could not be read: ${response.status}`);
      const text = await response.text();
      setRejects(text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Reject));
    } catch (error) {
      setProblem(problemOf(error));
    }
  };

  const counts = job?.counts ? Object.entries(job.counts).map(([k, v]) => `${v} ${k}`).join(', ') : '';
  return (
    <article className="job" aria-labelledby={`job-${id}`}>
      <h3 id={`job-${id}`}>
        {job ? `${job.kind} ` : 'Job '}
        <code>{id}</code>
      </h3>
      {job && (
        <p>
          <strong className={`state state-${job.state}`}>{job.state}</strong>
          {counts && ` · ${counts}`}
          {job.finishedAt && (
            <>
              {' · finished '}
              <time dateTime={job.finishedAt}>{new Date(job.finishedAt).toLocaleString()}</time>
            </>
          )}
        </p>
      )}
      {job?.error && <ProblemView problem={{ title: 'The job failed', detail: job.error }} />}
      {problem && <ProblemView problem={problem} />}
      {job?.kind === 'import' && !RUNNING.includes(job.state) && (job.counts?.['rejected'] ?? 0) > 0 && !rejects && (
        <button type="button" className="secondary" onClick={() => void showRejects()}>
          Show the {job.counts?.['rejected']} rejected lines
        </button>
      )}
      {rejects && (
        <table>
          <caption>Rejected lines</caption>
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Reason</th>
              <th scope="col">Fields</th>
            </tr>
          </thead>
          <tbody>
            {rejects.map((r) => (
              <tr key={r.line}>
                <td className="number">{r.line}</td>
                <td>{r.reason}</td>
                <td>{r.errors?.map((e) => `${e.path}: ${e.message}`).join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {download && (
        <p>
          <a href={download}>Download the export (NDJSON)</a>
        </p>
      )}
    </article>
  );
}
