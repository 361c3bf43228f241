import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { normalizeName, type Entity } from '../../domain/entity.ts';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../domain/errors.ts';
import type { EntityRepository, ListEntitiesCriteria, Page } from '../../domain/ports.ts';
import type { ReadScope } from '../../domain/principal.ts';
import { CursorCodec, type CursorPosition } from './cursorCodec.ts';
import { ENTITY_SK, INDEX, PUBLIC_PARTITION, entityPk, fromItem, nameScopePrefix, tenantPartition, toItem } from './entityItem.ts';

/** One Query of a listing; a listing walks its segments in order (they never overlap). */
type Segment = Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>;

export interface DynamoEntityRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cursorSigningKey: string;
}

export class DynamoEntityRepository implements EntityRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly cursors: CursorCodec;

  constructor(options: DynamoEntityRepositoryOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.cursors = new CursorCodec(options.cursorSigningKey);
  }

  async create(entity: Entity): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: toItem(entity), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`An entity with id ${entity.id} already exists.`);
      throw error;
    }
  }

  async get(id: string): Promise<Entity | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: entityPk(id), sk: ENTITY_SK }, ConsistentRead: true }));
    return Item ? fromItem(Item) : undefined;
  }

  async update(entity: Entity, expectedVersion: number): Promise<void> {
    await this.conditionalOnVersion(entity.id, expectedVersion, (condition) =>
      this.client.send(new PutCommand({ TableName: this.tableName, Item: toItem(entity), ...condition })),
    );
  }

  async delete(entity: Entity, expectedVersion: number): Promise<void> {
    await this.conditionalOnVersion(entity.id, expectedVersion, (condition) =>
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: entityPk(entity.id), sk: ENTITY_SK }, ...condition })),
    );
  }

  async list(criteria: ListEntitiesCriteria): Promise<Page<Entity>> {
    const segments = segmentsFor(criteria.scope, criteria.name === undefined ? undefined : normalizeName(criteria.name));
    const fingerprint = JSON.stringify([criteria.scope, criteria.name === undefined ? null : normalizeName(criteria.name)]);
    let position: CursorPosition = criteria.cursor === undefined ? { segment: 0, key: undefined } : this.cursors.decode(criteria.cursor, fingerprint);
    if (position.segment < 0 || position.segment >= segments.length) throw new ValidationError('The query string is invalid.', [{ path: '/cursor', message: 'cursor is invalid; omit it to start over' }]);

    const items: Entity[] = [];
    while (position.segment < segments.length && items.length < criteria.limit) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...segments[position.segment],
          Limit: criteria.limit - items.length,
          ...(position.key && { ExclusiveStartKey: position.key }),
        }),
      );
      items.push(...(page.Items ?? []).map(fromItem));
      position = page.LastEvaluatedKey ? { segment: position.segment, key: page.LastEvaluatedKey } : { segment: position.segment + 1, key: undefined };
    }
    const more = position.segment < segments.length;
    const nextCursor = more ? this.cursors.encode(position, fingerprint) : null;
    return { items, nextCursor };
  }

  private async conditionalOnVersion(id: string, expectedVersion: number, write: (condition: ConditionParams) => Promise<unknown>): Promise<void> {
    try {
      await write({
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': expectedVersion },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = error.Item?.['version']?.N;
      if (current === undefined) throw new NotFoundError(`No entity with id ${id} exists, or you may not see it.`);
      throw new PreconditionFailedError(`The entity changed concurrently and is now at version ${current}; fetch it again and retry with the current ETag.`, Number(current));
    }
  }
}

interface ConditionParams {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD';
}

function segmentsFor(scope: ReadScope, nameKey: string | undefined): Segment[] {
  const tenantOnly = (tenantId: string): Segment =>
    nameKey === undefined
      ? { IndexName: INDEX.tenant, KeyConditionExpression: 'tenantKey = :t', ExpressionAttributeValues: { ':t': tenantPartition(tenantId) } }
      : {
          IndexName: INDEX.name,
          KeyConditionExpression: 'nameKey = :n AND begins_with(nameScope, :prefix)',
          ExpressionAttributeValues: { ':n': nameKey, ':prefix': nameScopePrefix(tenantId) },
        };
  const publicOnly = (exceptTenant?: string): Segment => {
    const except = exceptTenant === undefined ? {} : { ':except': exceptTenant };
    return nameKey === undefined
      ? {
          IndexName: INDEX.public,
          KeyConditionExpression: 'publicKey = :p',
          ...(exceptTenant !== undefined && { FilterExpression: 'tenantId <> :except' }),
          ExpressionAttributeValues: { ':p': PUBLIC_PARTITION, ...except },
        }
      : {
          IndexName: INDEX.name,
          KeyConditionExpression: 'nameKey = :n',
          FilterExpression: exceptTenant === undefined ? 'visibility = :public' : 'visibility = :public AND tenantId <> :except',
          ExpressionAttributeValues: { ':n': nameKey, ':public': 'public', ...except },
        };
  };
  switch (scope.kind) {
    case 'tenant':
      return [tenantOnly(scope.tenantId)];
    case 'public':
      return [publicOnly()];
    case 'public-and-tenant':
      return [tenantOnly(scope.tenantId), publicOnly(scope.tenantId)];
  }
}
