import { stableUuid } from '../adapters/dynamodb/stableUuid.ts';
import type { Checkpoint } from '../domain/jobCheckpoint.ts';
import type { JobKind } from '../domain/jobRecord.ts';
import type { CheckpointStore } from '../domain/ports.ts';

/** Loads the job's checkpoint and refuses one written by another kind of job or for another tenant. */
export async function resumePoint(checkpoints: CheckpointStore, jobId: string, kind: JobKind, tenantId: string, source?: string): Promise<Checkpoint | undefined> {
  const checkpoint = await checkpoints.load(jobId);
  if (!checkpoint) return undefined;
  if (checkpoint.kind !== kind || checkpoint.tenantId !== tenantId || (source !== undefined && checkpoint.source !== undefined && checkpoint.source !== source)) {
    throw new Error(
      `Job ${jobId} already exists as ${checkpoint.kind} of tenant ${checkpoint.tenantId}${checkpoint.source ? ` (${checkpoint.source})` : ''}; use another --job to start a new job.`,
    );
  }
  return checkpoint;
}

/**
 * A UUID derived from the job and the line (SHA-256, shaped as a version-5 UUID): the same line of
 * the same job always creates the same entity, so a replayed line cannot create a second one.
 */
export function deterministicId(jobId: string, line: number): string {
  return stableUuid(`${jobId}\n${line}`);
}
