import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PublishedRange, PublishedVersions } from '../../domain/legacyOutbound.ts';
import { ConditionalCheckFailedException } from './dynamoErrors.ts';

/** What the legacy bridge has published per entity: `pk = LEGACYOUT#<entityId>`, `sk = PUBLISHED`, `start` and `last` (compare-and-set on `last`). */
export class DynamoPublishedVersions implements PublishedVersions {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async get(entityId: string): Promise<PublishedRange | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(entityId), ConsistentRead: true }));
    return typeof Item?.['last'] === 'number' && typeof Item['start'] === 'number' ? { start: Item['start'], last: Item['last'] } : undefined;
  }

  async save(entityId: string, next: PublishedRange, previous: PublishedRange | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(entityId), type: 'LegacyPublished', entityId, start: next.start, last: next.last },
          ConditionExpression: previous === undefined ? 'attribute_not_exists(pk)' : '#last = :last',
          ...(previous !== undefined && { ExpressionAttributeNames: { '#last': 'last' }, ExpressionAttributeValues: { ':last': previous.last } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

const key = (entityId: string) => ({ pk: `LEGACYOUT#${entityId}`, sk: 'PUBLISHED' });
