import type { CheckpointState } from '../domain/jobCheckpoint.ts';
import type { JobKind } from '../domain/jobRecord.ts';
import { formatDuration } from './progress.ts';

/** What a run of a job ends with (the worker's last line, and the job's record). */
export interface JobSummary {
  readonly jobId: string;
  readonly kind: JobKind;
  readonly tenantId: string;
  readonly state: CheckpointState;
  readonly counts: Readonly<Record<string, number>>;
  /** This run's time (not the earlier runs' of a resumed job). */
  readonly durationMs: number;
  /** Where this run started: a resumed job names its checkpoint's position. */
  readonly resumed: boolean;
}

/** The summary as the worker's last line: counts, duration, and how to continue an interrupted job. */
export function describeSummary(summary: JobSummary): string {
  const counts = Object.entries(summary.counts).map(([k, v]) => `${k} ${v}`).join(', ');
  const next = summary.state === 'interrupted' ? ` — rerun with --job ${summary.jobId} to continue` : '';
  return `${summary.kind} ${summary.jobId} ${summary.state}${summary.resumed ? ' (resumed)' : ''}: ${counts}; ${formatDuration(summary.durationMs)}${next}`;
}
