import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import type { JobRecord } from '../../domain/jobRecord.ts';
import type { JobRecords } from '../../domain/ports.ts';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from './dynamoErrors.ts';
import { fromJobItem, JOB_RETENTION_SECONDS, jobItemExpiry, jobItemKey } from './jobItem.ts';

const jobStatusKey = (jobId: string) => jobItemKey(jobId, 'STATUS');
const expiry = (updatedAt: string) => jobItemExpiry(updatedAt, JOB_RETENTION_SECONDS);

/**
 * Job records in the entities table: `pk = JOB#<id>`, `sk = STATUS` (beside the worker's
 * `CHECKPOINT`), no index keys, so no index and no entity event sees them; removed by the TTL
 * (`expiresAt`) 30 days after their last change.
 */
export class DynamoJobRecords implements JobRecords {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async create(record: JobRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...jobStatusKey(record.jobId), type: 'JobStatus', ...record, expiresAt: expiry(record.updatedAt) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`Job ${record.jobId} already exists.`);
      throw error;
    }
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: jobStatusKey(jobId), ConsistentRead: true }));
    return Item && fromJobItem<JobRecord>(Item);
  }

  /**
   * Sets `changes` on the job's record. Without `seed` the record must exist (else NotFoundError);
   * with it, a missing record is created from `seed` and `changes` (a job the worker runs without
   * a request: the command line, the schedule), and an existing one keeps its own seed fields.
   * `remove` names fields to drop (an earlier run's error).
   */
  async update(jobId: string, changes: Partial<JobRecord> & { readonly updatedAt: string }, options: { seed?: Partial<JobRecord>; remove?: readonly (keyof JobRecord)[] } = {}): Promise<void> {
    const { seed, remove = [] } = options;
    const names: Record<string, string> = { '#expiresAt': 'expiresAt' };
    const values: Record<string, unknown> = { ':expiresAt': expiry(changes.updatedAt) };
    const sets = ['#expiresAt = :expiresAt'];
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    for (const [field, value] of Object.entries(seed ?? {})) {
      if (value === undefined || field in changes) continue;
      names[`#${field}`] = field;
      values[`:seed_${field}`] = value;
      sets.push(`#${field} = if_not_exists(#${field}, :seed_${field})`);
    }
    if (seed) {
      names['#type'] = 'type';
      values[':type'] = 'JobStatus';
      sets.push('#type = :type');
    }
    for (const field of remove) names[`#${field}`] = field;
    const removal = remove.length > 0 ? ` REMOVE ${remove.map((f) => `#${f}`).join(', ')}` : '';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobStatusKey(jobId),
          UpdateExpression: `SET ${sets.join(', ')}${removal}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(!seed && { ConditionExpression: 'attribute_exists(pk)' }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new NotFoundError(`No job ${jobId}.`);
      throw error;
    }
  }
}
