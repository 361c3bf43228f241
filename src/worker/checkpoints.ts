import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fromJobItem, jobItemExpiry, jobItemKey } from '../adapters/dynamodb/jobItem.ts';
import type { JobKind } from '../domain/jobRecord.ts';

export type { JobKind };
export { JOB_ID_PATTERN } from '../domain/jobs.ts';
export type JobState = 'running' | 'interrupted' | 'failed' | 'completed';

/**
 * Where a job stopped: everything up to `position` is fully processed (and its output written),
 * nothing after it is. A restarted job with the same id continues from here.
 */
export interface Checkpoint {
  readonly jobId: string;
  readonly kind: JobKind;
  readonly tenantId: string;
  readonly state: JobState;
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

export interface CheckpointStore {
  load(jobId: string): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
}

/** Checkpoints are kept this long after their last write (the table's TTL attribute `expiresAt`). */
export const CHECKPOINT_RETENTION_SECONDS = 14 * 24 * 3600;

export const checkpointKey = (jobId: string) => jobItemKey(jobId, 'CHECKPOINT');

/** Checkpoints in the entities table: `pk = JOB#<jobId>`, `sk = CHECKPOINT` (no index keys, so no index and no entity event sees them). */
export class DynamoCheckpointStore implements CheckpointStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async load(jobId: string): Promise<Checkpoint | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: checkpointKey(jobId), ConsistentRead: true }));
    return Item && fromJobItem<Checkpoint>(Item);
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...checkpointKey(checkpoint.jobId), type: 'JobCheckpoint', ...checkpoint, expiresAt: jobItemExpiry(checkpoint.updatedAt, CHECKPOINT_RETENTION_SECONDS) } }));
  }
}
