import { stableUuid } from './stableUuid.ts';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExternalIdMapping, ExternalIdMappings, LegacySource } from '../../domain/legacyInbound.ts';
import { ConditionalCheckFailedException } from './dynamoErrors.ts';

/**
 * The legacy bridge's external-id mappings in the entities table: `pk = LEGACY#<tenant>#<source>#<externalId>`
 * (tenant and source ids hold no `#`; the external id comes last, so any text is unambiguous),
 * `sk = MAPPING`: unique per tenant, source and external id by construction. Compare-and-set on
 * `revision`, as the job slots do.
 */
export class DynamoExternalIdMappings implements ExternalIdMappings {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  entityIdFor(source: LegacySource, externalId: string, generation: number): string {
    return legacyEntityId(source, externalId, generation);
  }

  async get(source: LegacySource, externalId: string): Promise<ExternalIdMapping | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: mappingKey(source, externalId), ConsistentRead: true }));
    if (!Item) return undefined;
    return {
      tenantId: String(Item['tenantId']),
      source: String(Item['source']),
      externalId: String(Item['externalId']),
      ...(typeof Item['entityId'] === 'string' && { entityId: Item['entityId'] }),
      generation: Number(Item['generation'] ?? 0),
      appliedVersion: Number(Item['appliedVersion']),
      revision: Number(Item['revision']),
    };
  }

  async put(next: ExternalIdMapping, expectedRevision: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...mappingKey(next, next.externalId), type: 'ExternalIdMapping', ...next },
          ConditionExpression: expectedRevision === 0 ? 'attribute_not_exists(pk)' : '#revision = :revision',
          ...(expectedRevision !== 0 && { ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: { ':revision': expectedRevision } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

export const LEGACY_MAPPING_PREFIX = 'LEGACY#';
export const mappingKey = (source: LegacySource, externalId: string) => ({ pk: `${LEGACY_MAPPING_PREFIX}${source.tenantId}#${source.source}#${externalId}`, sk: 'MAPPING' });

/** A UUID (version 5 layout) derived from the tenant, source, external id and the entity's life. */
export function legacyEntityId(source: LegacySource, externalId: string, generation: number): string {
  return stableUuid(JSON.stringify(['legacy', source.tenantId, source.source, externalId, generation]));
}
