import type { JobKind } from './jobRecord.ts';

/** Where a run of the worker stands (the job's record has its own states: JobState in ./jobRecord.ts). */
export type CheckpointState = 'running' | 'interrupted' | 'failed' | 'completed';

/**
 * Where a job stopped: everything up to `position` is fully processed (and its output written),
 * nothing after it is. A restarted job with the same id continues from here.
 */
export interface Checkpoint {
  readonly jobId: string;
  readonly kind: JobKind;
  readonly tenantId: string;
  readonly state: CheckpointState;
  /** import: the last fully processed line; export and rebuild: the DynamoDB key to continue after (null at the start). */
  readonly position: { readonly line?: number; readonly cursor?: Record<string, unknown> | null };
  /** Bytes of the job's output file (export: the NDJSON; import: the rejects file) that belong to the processed part. */
  readonly outputBytes: number;
  readonly counts: Readonly<Record<string, number>>;
  /** The job's input, so a restart with other parameters is refused. */
  readonly source?: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly error?: string;
}
