import { entityChanged } from '../domain/entityEvents.ts';
import { ALL_TENANTS } from '../domain/jobRequest.ts';
import type { CheckpointStore, Clock, EntityProjector } from '../domain/ports.ts';
import type { CheckpointState } from '../domain/jobCheckpoint.ts';
import type { JobSummary } from './jobSummary.ts';
import { resumePoint } from './resume.ts';
import { silentProgress, type ProgressReporter } from './progress.ts';
import type { EntityPage, EntityPages, PageKey } from '../adapters/dynamodb/DynamoEntityPages.ts';

export interface RebuildDeps {
  readonly pages: EntityPages;
  /** The read model (PostgreSQL in practice). */
  readonly projector: EntityProjector;
  readonly checkpoints: CheckpointStore;
  readonly clock: Clock;
}

export interface RebuildOptions {
  readonly jobId: string;
  /** A tenant (its TenantIndex partition), or `*`: every tenant, by a parallel Scan in `segments` segments. */
  readonly tenantId: string;
  readonly segments?: number;
  readonly pageSize?: number;
  readonly signal?: AbortSignal;
  readonly progress?: ProgressReporter;
}

export { ALL_TENANTS };

/**
 * Re-projects entities from DynamoDB into the PostgreSQL read model, a page at a time, through
 * the projector in `repair` mode: a row changes only when DynamoDB's version is newer or,
 * at the same version, its content differs, so the job is idempotent, a rerun changes nothing and
 * a row the projector has already moved past (a newer event) is never set back. Every page is
 * projected, then its position checkpointed (one cursor per scan segment for all tenants).
 * Entities deleted in DynamoDB are not listed there: their rows are the reconciler's job.
 */
export async function runRebuild(deps: RebuildDeps, options: RebuildOptions): Promise<JobSummary> {
  const started = Date.now();
  const all = options.tenantId === ALL_TENANTS;
  const segments = all ? (options.segments ?? 4) : 1;
  const source = all ? `scan:${segments}` : 'tenant-index';
  const previous = await resumePoint(deps.checkpoints, options.jobId, 'rebuild-read-model', options.tenantId, source);
  const counts = { read: 0, written: 0, failed: 0, ...(previous?.counts ?? {}) };
  const summary = (state: CheckpointState): JobSummary => ({ jobId: options.jobId, kind: 'rebuild-read-model', tenantId: options.tenantId, state, counts: { ...counts }, durationMs: Date.now() - started, resumed: previous !== undefined });
  if (previous?.state === 'completed') return summary('completed');

  // Per segment: the key to continue after; `null` = not started; 'done' = finished.
  const saved = (previous?.position.cursor ?? {}) as Record<string, PageKey | 'done' | null>;
  const cursors: (PageKey | 'done' | null)[] = Array.from({ length: segments }, (_, i) => saved[String(i)] ?? null);
  const startedAt = previous?.startedAt ?? deps.clock.now().toISOString();
  const progress = options.progress ?? silentProgress;
  let saving: Promise<void> = Promise.resolve();
  const save = (state: CheckpointState, error?: unknown) => {
    const snapshot = {
      jobId: options.jobId,
      kind: 'rebuild-read-model' as const,
      tenantId: options.tenantId,
      state,
      position: { cursor: Object.fromEntries(cursors.map((c, i) => [String(i), c])) },
      outputBytes: 0,
      counts: { ...counts },
      source,
      startedAt,
      updatedAt: deps.clock.now().toISOString(),
      ...(error !== undefined && { error: String((error as Error).message ?? error) }),
    };
    // Checkpoints from parallel segments are written one after another, newest last.
    saving = saving.catch(() => undefined).then(() => deps.checkpoints.save(snapshot));
    return saving;
  };

  const pageSize = options.pageSize ?? 500;
  const runSegment = async (segment: number) => {
    while (cursors[segment] !== 'done') {
      if (options.signal?.aborted) return;
      const after = cursors[segment] as PageKey | null;
      const page: EntityPage = await (all ? deps.pages.scanPage(segment, segments, after, pageSize) : deps.pages.tenantPage(options.tenantId, after, pageSize));
      if (page.entities.length > 0) {
        const result = await deps.projector.project(page.entities.map((e) => entityChanged('EntityUpdated', e, null)), { mode: 'repair' });
        counts.read += page.entities.length;
        counts.written += result.written;
        counts.failed += result.failed.size;
      }
      cursors[segment] = page.next ?? 'done';
      await save('running');
      progress.update({ done: counts.read, counts: { written: counts.written } });
    }
  };

  try {
    const results = await Promise.allSettled(cursors.map((_, segment) => runSegment(segment)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await save('failed', failure.reason).catch(() => undefined);
      throw failure.reason;
    }
    const state: CheckpointState = cursors.every((c) => c === 'done') ? 'completed' : 'interrupted';
    await save(state);
    return summary(state);
  } finally {
    progress.finish();
  }
}
