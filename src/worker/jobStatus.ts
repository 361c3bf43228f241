import type { JobRecord, JobState } from '../domain/jobRecord.ts';
import type { CheckpointStore, JobRecords } from '../domain/ports.ts';
import type { Checkpoint, CheckpointState } from '../domain/jobCheckpoint.ts';
import type { JobSummary } from './jobSummary.ts';

const STATE: Record<CheckpointState, JobState> = { running: 'RUNNING', completed: 'SUCCEEDED', failed: 'FAILED', interrupted: 'INTERRUPTED' };

type StatusWriter = Pick<JobRecords, 'update'>;

/**
 * Keeps the job's record (GET /api/v1/secure/jobs/{id}) up to date from the worker: RUNNING when
 * a run starts, then with every checkpoint its counts, position and time, and at the end its
 * state (SUCCEEDED, FAILED with the error, INTERRUPTED). A job started without a request (the
 * command line, the schedule) gets its record from `seed`.
 */
export class JobStatusReporter {
  private readonly records: StatusWriter;
  private readonly jobId: string;
  private readonly seed: Partial<JobRecord>;
  private readonly now: () => Date;

  constructor(options: { records: StatusWriter; jobId: string; seed: Partial<JobRecord>; now?: () => Date }) {
    this.records = options.records;
    this.jobId = options.jobId;
    this.seed = { jobId: options.jobId, ...options.seed };
    this.now = options.now ?? (() => new Date());
  }

  /** The run has started: RUNNING, and an earlier run's error and end are cleared. */
  async started(): Promise<void> {
    const at = this.now().toISOString();
    await this.records.update(this.jobId, { state: 'RUNNING', startedAt: at, updatedAt: at }, { seed: { ...this.seed, createdAt: at }, remove: ['error', 'finishedAt'] });
  }

  /** The run has ended as `summary` says (also for a job that had already completed, which checkpoints nothing). */
  async ended(summary: JobSummary): Promise<void> {
    const at = this.now().toISOString();
    const state = STATE[summary.state];
    await this.records.update(this.jobId, { state, counts: summary.counts, updatedAt: at, ...((state === 'SUCCEEDED' || state === 'FAILED') && { finishedAt: at }) });
  }

  /** A run that failed before its first checkpoint (bad input location, configuration). */
  async failed(error: unknown): Promise<void> {
    const at = this.now().toISOString();
    await this.records.update(this.jobId, { state: 'FAILED', error: messageOf(error), finishedAt: at, updatedAt: at }, { seed: { ...this.seed, createdAt: at } });
  }

  /** `checkpoints`, reporting every checkpoint it saves on the job's record. */
  reporting(checkpoints: CheckpointStore): CheckpointStore {
    return {
      load: (jobId) => checkpoints.load(jobId),
      save: async (checkpoint) => {
        await checkpoints.save(checkpoint);
        await this.records.update(this.jobId, changesOf(checkpoint), { seed: { ...this.seed, createdAt: checkpoint.startedAt } });
      },
    };
  }
}

function changesOf(checkpoint: Checkpoint): Partial<JobRecord> & { updatedAt: string } {
  const state = STATE[checkpoint.state];
  const ended = state === 'SUCCEEDED' || state === 'FAILED';
  return {
    state,
    counts: checkpoint.counts,
    lastCheckpoint: { at: checkpoint.updatedAt, position: checkpoint.position },
    updatedAt: checkpoint.updatedAt,
    ...(ended && { finishedAt: checkpoint.updatedAt }),
    ...(checkpoint.error !== undefined && { error: checkpoint.error }),
  };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
