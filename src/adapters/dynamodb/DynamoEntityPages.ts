import type { Entity } from '../../domain/entity.ts';
import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENTITY_TYPE, INDEX, fromItem, tenantPartition } from './entityItem.ts';

export type PageKey = Record<string, unknown>;

/** One page of entities and the key to continue after it (`null` after the last page). */
export interface EntityPage {
  readonly entities: Entity[];
  readonly next: PageKey | null;
}

/** Reads entities a page at a time from a position the caller keeps (so a job can checkpoint it). */
export interface EntityPages {
  /** A tenant's live entities in creation order (the TenantIndex). */
  tenantPage(tenantId: string, after: PageKey | null, limit: number): Promise<EntityPage>;
  /** One segment of a parallel Scan of every tenant's live entities. */
  scanPage(segment: number, totalSegments: number, after: PageKey | null, limit: number): Promise<EntityPage>;
}

export class DynamoEntityPages implements EntityPages {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async tenantPage(tenantId: string, after: PageKey | null, limit: number): Promise<EntityPage> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.tenant,
        KeyConditionExpression: 'tenantKey = :t',
        ExpressionAttributeValues: { ':t': tenantPartition(tenantId) },
        Limit: limit,
        ...(after && { ExclusiveStartKey: after }),
      }),
    );
    return { entities: (page.Items ?? []).map(fromItem), next: page.LastEvaluatedKey ?? null };
  }

  /** Scans the TenantIndex (it holds live entities only: tombstones and other items have no `tenantKey`). */
  async scanPage(segment: number, totalSegments: number, after: PageKey | null, limit: number): Promise<EntityPage> {
    const page = await this.client.send(
      new ScanCommand({
        TableName: this.tableName,
        IndexName: INDEX.tenant,
        Segment: segment,
        TotalSegments: totalSegments,
        FilterExpression: '#type = :entity',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':entity': ENTITY_TYPE },
        Limit: limit,
        ...(after && { ExclusiveStartKey: after }),
      }),
    );
    return { entities: (page.Items ?? []).map(fromItem), next: page.LastEvaluatedKey ?? null };
  }
}
