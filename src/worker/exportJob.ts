import type { Clock, CheckpointStore } from '../domain/ports.ts';
import type { CheckpointState } from '../domain/jobCheckpoint.ts';
import type { JobSummary } from './jobSummary.ts';
import { resumePoint } from './resume.ts';
import { reopenOutput, type JobFiles } from './jobFiles.ts';
import { silentProgress, type ProgressReporter } from './progress.ts';
import type { EntityPages, PageKey } from '../adapters/dynamodb/DynamoEntityPages.ts';

export interface ExportDeps {
  readonly pages: EntityPages;
  readonly files: JobFiles;
  readonly checkpoints: CheckpointStore;
  readonly clock: Clock;
}

export interface ExportOptions {
  readonly jobId: string;
  readonly tenantId: string;
  /** A local path or `s3://bucket/key`. */
  readonly file: string;
  /** Entities per page (default 500): the most the job holds in memory at once. */
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressReporter;
}

/**
 * Writes a tenant's entities as NDJSON (one entity per line, as the API returns it), a page at a
 * time, in creation order. After each page: the page is in the file, then the checkpoint records
 * the key after it and the file's length, so a restart cuts the file back to that length and
 * continues with the next page: no line twice, none missing.
 */
export async function runExport(deps: ExportDeps, options: ExportOptions): Promise<JobSummary> {
  const started = Date.now();
  const previous = await resumePoint(deps.checkpoints, options.jobId, 'export', options.tenantId, options.file);
  let counts = { exported: 0, ...(previous?.counts ?? {}) };
  const summary = (state: CheckpointState): JobSummary => ({ jobId: options.jobId, kind: 'export', tenantId: options.tenantId, state, counts: { ...counts }, durationMs: Date.now() - started, resumed: previous !== undefined });
  if (previous?.state === 'completed') return summary('completed');

  // The lines so far, kept; when they were lost (an S3 upload a crash left incomplete), from the first page again.
  const { output: out, restarted } = await reopenOutput(deps.files, options.file, previous?.outputBytes ?? 0);
  if (restarted) counts = { exported: 0 };
  let cursor: PageKey | null = restarted ? null : (previous?.position.cursor ?? null);
  const startedAt = previous?.startedAt ?? deps.clock.now().toISOString();
  const progress = options.progress ?? silentProgress;
  const save = (state: CheckpointState, error?: unknown) =>
    deps.checkpoints.save({
      jobId: options.jobId,
      kind: 'export',
      tenantId: options.tenantId,
      state,
      position: { cursor },
      outputBytes: out.bytes,
      counts: { ...counts },
      source: options.file,
      startedAt,
      updatedAt: deps.clock.now().toISOString(),
      ...(error !== undefined && { error: String((error as Error).message ?? error) }),
    });
  let closed = false;
  const close = async () => {
    closed = true;
    await out.close(); // durable (S3: the upload completed) before the checkpoint says so
  };
  try {
    // In a checkpoint that is not `completed`, a null cursor means "from the start".
    for (;;) {
      if (options.signal?.aborted) {
        await close();
        await save('interrupted');
        return summary('interrupted');
      }
      const page = await deps.pages.tenantPage(options.tenantId, cursor, options.pageSize ?? 500);
      await out.write(page.entities.map((e) => JSON.stringify(e) + '\n').join(''));
      counts.exported += page.entities.length;
      cursor = page.next;
      if (cursor === null) await close();
      await save(cursor === null ? 'completed' : 'running');
      progress.update({ done: counts.exported, counts });
      if (cursor === null) return summary('completed');
    }
  } catch (error) {
    if (!closed) await close().catch(() => undefined);
    await save('failed', error).catch(() => undefined);
    throw error;
  } finally {
    progress.finish();
    if (!closed) await out.abort().catch(() => undefined);
  }
}
