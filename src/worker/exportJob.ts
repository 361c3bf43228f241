import { open, truncate } from 'node:fs/promises';
import type { Clock } from '../domain/ports.ts';
import type { CheckpointStore, JobState } from './checkpoints.ts';
import { resumePoint, withRetries, type JobSummary } from './job.ts';
import { silentProgress, type ProgressReporter } from './progress.ts';
import type { EntityPages, PageKey } from '../adapters/dynamodb/DynamoEntityPages.ts';

export interface ExportDeps {
  readonly pages: EntityPages;
  readonly checkpoints: CheckpointStore;
  readonly clock: Clock;
}

export interface ExportOptions {
  readonly jobId: string;
  readonly tenantId: string;
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
  const counts = { exported: 0, ...(previous?.counts ?? {}) };
  const summary = (state: JobState): JobSummary => ({ jobId: options.jobId, kind: 'export', tenantId: options.tenantId, state, counts: { ...counts }, durationMs: Date.now() - started, resumed: previous !== undefined });
  if (previous?.state === 'completed') return summary('completed');

  let cursor: PageKey | null = previous?.position.cursor ?? null;
  let bytes = previous?.outputBytes ?? 0;
  const startedAt = previous?.startedAt ?? deps.clock.now().toISOString();
  const progress = options.progress ?? silentProgress;
  if (previous) await truncate(options.file, bytes);
  const out = await open(options.file, previous ? 'a' : 'w');
  const save = (state: JobState, error?: unknown) =>
    withRetries(() =>
      deps.checkpoints.save({
        jobId: options.jobId,
        kind: 'export',
        tenantId: options.tenantId,
        state,
        position: { cursor },
        outputBytes: bytes,
        counts: { ...counts },
        source: options.file,
        startedAt,
        updatedAt: deps.clock.now().toISOString(),
        ...(error !== undefined && { error: String((error as Error).message ?? error) }),
      }),
    );
  try {
    // In a checkpoint that is not `completed`, a null cursor means "from the start".
    for (;;) {
      if (options.signal?.aborted) {
        await save('interrupted');
        return summary('interrupted');
      }
      const page = await withRetries(() => deps.pages.tenantPage(options.tenantId, cursor, options.pageSize ?? 500));
      const text = page.entities.map((e) => JSON.stringify(e) + '\n').join('');
      await out.write(text);
      bytes += Buffer.byteLength(text);
      counts.exported += page.entities.length;
      cursor = page.next;
      await save(cursor === null ? 'completed' : 'running');
      progress.update({ done: counts.exported, counts });
      if (cursor === null) return summary('completed');
    }
  } catch (error) {
    await save('failed', error).catch(() => undefined);
    throw error;
  } finally {
    progress.finish();
    await out.close();
  }
}
