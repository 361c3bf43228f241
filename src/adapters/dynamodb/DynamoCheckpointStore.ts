import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Checkpoint } from '../../domain/jobCheckpoint.ts';
import type { CheckpointStore } from '../../domain/ports.ts';
import { fromJobItem, jobItemExpiry, jobItemKey } from './jobItem.ts';

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
