import type { EntityEvent } from '../../domain/entityEvents.ts';
import type { AuditTrail, Page } from '../../domain/ports.ts';
import { cursorCodecFor, type CursorCodec } from './cursorCodec.ts';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { entityPk } from './entityItem.ts';

const AUDIT_PREFIX = 'AUDIT#';

/** `AUDIT#<occurredAt>#<version, zero-padded>`: chronological, and unique per change. */
export const auditSk = (event: EntityEvent): string => `${AUDIT_PREFIX}${event.occurredAt}#${String(event.version).padStart(10, '0')}`;

/**
 * Audit items live in the entity's partition (`pk` = `ENTITY#<id>`, `sk` = `AUDIT#…`), so one
 * Query reads an entity's history. A redelivered event rewrites the same item: harmless.
 */
export class DynamoAuditTrail implements AuditTrail {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly cursors: (() => Promise<CursorCodec>) | undefined;

  /**
   * `cursorSigningKey` is needed to read history (a function is called on the first history read,
   * as DynamoEntityRepository does); recording needs none (the audit consumer has no secret).
   */
  constructor(options: { client: DynamoDBDocumentClient; tableName: string; cursorSigningKey?: string | (() => Promise<string>) }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.cursors = options.cursorSigningKey === undefined ? undefined : cursorCodecFor(options.cursorSigningKey);
  }

  async record(event: EntityEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: entityPk(event.entityId), sk: auditSk(event), type: 'Audit', tenantId: event.tenantId, event },
      }),
    );
  }

  async history(tenantId: string, entityId: string, page: { limit: number; cursor?: string }): Promise<Page<EntityEvent>> {
    if (!this.cursors) throw new Error('DynamoAuditTrail needs a cursor signing key to read history');
    const cursors = await this.cursors();
    const fingerprint = JSON.stringify(['history', tenantId, entityId]);
    const start = page.cursor === undefined ? undefined : cursors.decode(page.cursor, fingerprint).key;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        // Every audit item of an entity carries its tenant: another tenant's history reads as empty.
        FilterExpression: 'tenantId = :tenant',
        ExpressionAttributeValues: { ':pk': entityPk(entityId), ':audit': AUDIT_PREFIX, ':tenant': tenantId },
        ScanIndexForward: false,
        Limit: page.limit,
        ...(start && { ExclusiveStartKey: start }),
      }),
    );
    const items = (result.Items ?? []).map((item) => item['event'] as EntityEvent);
    const nextCursor = result.LastEvaluatedKey ? cursors.encode({ segment: 0, key: result.LastEvaluatedKey }, fingerprint) : null;
    return { items, nextCursor };
  }
}
