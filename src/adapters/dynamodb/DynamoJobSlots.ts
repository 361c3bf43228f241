import type { JobSlots } from '../../domain/ports.ts';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from './dynamoErrors.ts';
import { JOB_RETENTION_SECONDS, jobItemExpiry } from './jobItem.ts';

/**
 * A tenant's job slots in the entities table: `pk = JOB#slots:<tenant>` (under the `JOB#` prefix
 * the job functions' roles may touch; a job id never holds a colon), `sk = SLOTS`, the holders'
 * job ids and a version for compare-and-set; removed by the TTL 30 days after the last start.
 */
export class DynamoJobSlots implements JobSlots {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => Date;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; now?: () => Date }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
  }

  async read(tenantId: string): Promise<{ jobIds: string[]; version: number }> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: slotsKey(tenantId), ConsistentRead: true }));
    const jobIds = Array.isArray(Item?.['jobIds']) ? (Item['jobIds'] as unknown[]).filter((id): id is string => typeof id === 'string') : [];
    return { jobIds, version: typeof Item?.['version'] === 'number' ? Item['version'] : 0 };
  }

  async write(tenantId: string, jobIds: readonly string[], version: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...slotsKey(tenantId), type: 'JobSlots', tenantId, jobIds: [...jobIds], version: version + 1, expiresAt: jobItemExpiry(this.now().toISOString(), JOB_RETENTION_SECONDS) },
          ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : '#version = :version',
          ...(version !== 0 && { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':version': version } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

const slotsKey = (tenantId: string) => ({ pk: `JOB#slots:${tenantId}`, sk: 'SLOTS' });
