import type { Entity } from '../../domain/entity.ts';
import type { EntitySource, SourceState } from '../../domain/readModelReconciler.ts';
import { GetCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoEntityPages, type PageKey } from './DynamoEntityPages.ts';
import { ENTITY_SK, INDEX, TOMBSTONE_TYPE, entityPk, fromItem, fromTombstoneItem, isEntityItem } from './entityItem.ts';

/**
 * The source of truth as reconciliation reads it: a tenant's entities through the TenantIndex
 * (Query, paged), one entity's state by key (consistent GetItem), and tenant discovery as a
 * bounded Scan of the TenantIndex projecting only `tenantId`. The Scan runs only in the scheduled
 * job, never on a request path, and resumes where the previous run stopped.
 */
export class DynamoEntitySource implements EntitySource {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly pages: DynamoEntityPages;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.pages = new DynamoEntityPages(options);
  }

  async tenantEntities(tenantId: string, max: number): Promise<{ entities: Entity[]; complete: boolean }> {
    const entities: Entity[] = [];
    let after: PageKey | null = null;
    do {
      const page = await this.pages.tenantPage(tenantId, after, Math.min(1000, max + 1 - entities.length));
      entities.push(...page.entities);
      after = page.next;
    } while (after && entities.length <= max);
    return { entities: entities.slice(0, max), complete: entities.length <= max && !after };
  }


  async currentState(id: string): Promise<SourceState> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: entityPk(id), sk: ENTITY_SK }, ConsistentRead: true }));
    if (!Item) return undefined;
    if (isEntityItem(Item)) return { kind: 'entity', entity: fromItem(Item) };
    if (Item['type'] === TOMBSTONE_TYPE) return { kind: 'tombstone', tombstone: { ...fromTombstoneItem(Item), id } };
    return undefined;
  }

  async discoverTenants(position: unknown, maxItems: number): Promise<{ tenants: string[]; position: unknown }> {
    const tenants = new Set<string>();
    let start = (position ?? undefined) as Record<string, unknown> | undefined;
    let scanned = 0;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          IndexName: INDEX.tenant,
          ProjectionExpression: 'tenantId',
          Limit: Math.min(1000, maxItems - scanned),
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) if (typeof item['tenantId'] === 'string') tenants.add(item['tenantId']);
      scanned += page.ScannedCount ?? 0;
      start = page.LastEvaluatedKey;
    } while (start && scanned < maxItems);
    return { tenants: [...tenants], position: start ?? null };
  }
}
