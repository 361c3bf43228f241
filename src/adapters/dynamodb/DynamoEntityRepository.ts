import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { cancellationReasons, TransactionCanceledException, type CancellationReason } from './dynamoErrors.ts';
import { normalizeName, type Entity } from '../../domain/entity.ts';
import { ConflictError, NameTakenError, NotFoundError, PreconditionFailedError, ValidationError } from '../../domain/errors.ts';
import type { CreateManyOutcome, EntityRepository, ListEntitiesCriteria, Page } from '../../domain/ports.ts';
import type { ReadScope } from '../../domain/principal.ts';
import { creationPlan, transactionTimeoutMs } from './creationPlan.ts';
import { cursorCodecFor, type CursorCodec, type CursorPosition } from './cursorCodec.ts';
import { ENTITY_SK, ENTITY_TYPE, INDEX, PUBLIC_PARTITION, entityPk, fromItem, indexKeyOf, isEntityItem, nameClaimKey, nameScopePrefix, tenantPartition, toItem, toNameClaimItem, toTombstoneItem } from './entityItem.ts';

/** One Query of a listing; a listing walks its segments in order (they never overlap). */
type Segment = Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface DynamoEntityRepositoryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Signs listing cursors; a function is called on the first listing (reads and writes never need the key). */
  readonly cursorSigningKey: string | (() => Promise<string>);
  /** The current request's correlation id, stamped on every write. */
  readonly correlationId?: () => string | undefined;
}

export class DynamoEntityRepository implements EntityRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly cursors: () => Promise<CursorCodec>;
  private readonly correlationId: () => string | undefined;

  constructor(options: DynamoEntityRepositoryOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.cursors = cursorCodecFor(options.cursorSigningKey);
    this.correlationId = options.correlationId ?? (() => undefined);
  }

  async create(entity: Entity): Promise<void> {
    await this.transact(this.creation(entity), (reasons) => refusalOf(entity, reasons[0], reasons[1]));
  }

  /**
   * The bulk create (see EntityRepository.createMany): the entities and their name claims in
   * transactions of up to 100 items (creationPlan.ts), sent one after another. A cancelled
   * transaction's reasons say, item by item, which entities are refused; those are decided and the
   * rest is sent again. A cancellation that refuses none (contention with another writer,
   * throttling) is split in halves, down to single entities, which go through `create`. Each
   * transaction has a ClientRequestToken (the SDK's retries of it are applied once) and a
   * per-attempt timeout sized to its items (`transactionTimeoutMs`).
   */
  async createMany(entities: readonly Entity[]): Promise<CreateManyOutcome[]> {
    const outcomes: CreateManyOutcome[] = entities.map(() => undefined);
    for (const round of creationPlan(entities)) {
      for (const group of round) {
        const decided = await this.createGroup(group.map((index) => entities[index]!));
        group.forEach((index, k) => (outcomes[index] = decided[k]));
      }
    }
    return outcomes;
  }

  private async createGroup(entities: readonly Entity[]): Promise<CreateManyOutcome[]> {
    if (entities.length === 0) return [];
    if (entities.length === 1) return [await this.create(entities[0]!).then(() => undefined, refusal)];
    try {
      const items = entities.flatMap((entity) => this.creation(entity));
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }), { requestTimeout: transactionTimeoutMs(items.length) });
      return entities.map(() => undefined);
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = cancellationReasons(error);
      const refused = entities.map((entity, i) => refusalOf(entity, reasons[2 * i], reasons[2 * i + 1]));
      const rest = entities.filter((_, i) => refused[i] === undefined);
      const half = Math.ceil(rest.length / 2);
      const decided = rest.length < entities.length ? await this.createGroup(rest) : [...(await this.createGroup(rest.slice(0, half))), ...(await this.createGroup(rest.slice(half)))];
      return refused.map((outcome) => outcome ?? decided.shift());
    }
  }

  /** A new entity's items: the entity (its id unused) and its name claim (the name free in its tenant). */
  private creation(entity: Entity): TransactItem[] {
    return [{ Put: { TableName: this.tableName, Item: this.stamped(toItem(entity)), ConditionExpression: 'attribute_not_exists(pk)' } }, this.claimName(entity)];
  }

  async get(id: string): Promise<Entity | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: entityPk(id), sk: ENTITY_SK }, ConsistentRead: true }));
    return Item && isEntityItem(Item) ? fromItem(Item) : undefined;
  }

  async update(next: Entity, previous: Entity): Promise<void> {
    const put: TransactItem = { Put: { TableName: this.tableName, Item: this.stamped(toItem(next)), ...onVersion(previous.version) } };
    const renamed = normalizeName(next.name) !== normalizeName(previous.name);
    // A rename claims the new name and releases the old one in the same transaction.
    await this.transact(renamed ? [put, this.claimName(next), this.releaseName(previous)] : [put], (reasons) => {
      if (failed(reasons[0])) return versionConflict(previous.id, reasons[0]);
      if (failed(reasons[1])) return new NameTakenError(next.name, holderOf(reasons[1]));
      return undefined;
    });
  }

  /**
   * Deleting replaces the entity with a tombstone (version + 1, expiring through the table's TTL),
   * so the stream carries the deletion with its version and correlation id, and releases the name.
   */
  async delete(current: Entity, deletedAt: string): Promise<void> {
    const tombstone = this.stamped(toTombstoneItem(current, deletedAt));
    await this.transact(
      [{ Put: { TableName: this.tableName, Item: tombstone, ...onVersion(current.version) } }, this.releaseName(current)],
      (reasons) => (failed(reasons[0]) ? versionConflict(current.id, reasons[0]) : undefined),
    );
  }

  /** Marks an item with the correlation id of the request that writes it (carried into the domain event). */
  private stamped<T extends object>(item: T): T & { correlationId?: string } {
    const correlationId = this.correlationId();
    return correlationId ? { ...item, correlationId } : item;
  }

  private claimName(entity: Entity): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: toNameClaimItem(entity),
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** Releases the entity's name; never another entity's (a claim held by someone else fails the write). */
  private releaseName(entity: Entity): TransactItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: nameClaimKey(entity.tenantId, entity.name),
        ConditionExpression: 'attribute_not_exists(pk) OR entityId = :id',
        ExpressionAttributeValues: { ':id': entity.id },
      },
    };
  }

  /**
   * Runs one TransactWriteItems, with a ClientRequestToken of its own: the SDK's retries of it
   * (a timed-out attempt) are the same request, which DynamoDB applies once. A cancellation is
   * mapped item by item by `explain`; one caused only by concurrent transactions on the same items
   * or by throttling (TRANSIENT_CANCELLATIONS; the SDK does not retry a cancellation) is sent
   * again, as a new request, with jittered backoff until the items' conditions decide the outcome.
   */
  private async transact(items: TransactItem[], explain: (reasons: readonly CancellationReason[]) => Error | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = cancellationReasons(error);
        const mapped = explain(reasons);
        if (mapped) throw mapped;
        const transient = reasons.some((r) => TRANSIENT_CANCELLATIONS.has(r.Code)) && reasons.every((r) => r.Code === 'None' || TRANSIENT_CANCELLATIONS.has(r.Code));
        if (!transient || attempt >= TRANSACTION_ATTEMPTS) throw error;
        await sleep(Math.random() * 25 * 2 ** attempt);
      }
    }
  }

  async list(criteria: ListEntitiesCriteria): Promise<Page<Entity>> {
    const segments = segmentsFor(criteria.scope, criteria.name === undefined ? undefined : normalizeName(criteria.name));
    const fingerprint = JSON.stringify([criteria.scope, criteria.name === undefined ? null : normalizeName(criteria.name)]);
    const cursors = await this.cursors();
    let position: CursorPosition = criteria.cursor === undefined ? { segment: 0, key: undefined } : cursors.decode(criteria.cursor, fingerprint);
    if (position.segment < 0 || position.segment >= segments.length) throw new ValidationError('The query string is invalid.', [{ path: '/cursor', message: 'cursor is invalid; omit it to start over' }]);

    // A page costs at most MAX_QUERIES_PER_PAGE queries. A filtered query's Limit counts the items
    // read before the filter, so it reads FILTERED_READ_LIMIT items at once and keeps what the page
    // needs. Past the bound the page is short (even empty), with a cursor where the reading stopped.
    const items: Entity[] = [];
    for (let queries = 0; position.segment < segments.length && items.length < criteria.limit && queries < MAX_QUERIES_PER_PAGE; queries++) {
      const segment = segments[position.segment]!;
      const wanted = criteria.limit - items.length;
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...segment,
          Limit: segment.FilterExpression === undefined ? wanted : Math.max(wanted, FILTERED_READ_LIMIT),
          ...(position.key && { ExclusiveStartKey: position.key }),
        }),
      );
      const kept = (page.Items ?? []).slice(0, wanted);
      items.push(...kept.map(fromItem));
      if ((page.Items ?? []).length > wanted) position = { segment: position.segment, key: indexKeyOf(kept.at(-1)!, segment.IndexName!) };
      else position = page.LastEvaluatedKey ? { segment: position.segment, key: page.LastEvaluatedKey } : { segment: position.segment + 1, key: undefined };
    }
    const more = position.segment < segments.length;
    const nextCursor = more ? cursors.encode(position, fingerprint) : null;
    return { items, nextCursor };
  }

}

/** DynamoDB queries one page of a listing or name lookup may cost at most (docs/api.md, "Pages"). */
export const MAX_QUERIES_PER_PAGE = 3;
/** Items a filtered query reads at once (a query's Limit counts items before its filter drops them). */
export const FILTERED_READ_LIMIT = 100;

/** A transaction cancelled only for these reasons is sent again, this many times in all. */
const TRANSACTION_ATTEMPTS = 6;
const TRANSIENT_CANCELLATIONS: ReadonlySet<string> = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

const failed = (reason: CancellationReason | undefined): reason is CancellationReason => reason?.Code === 'ConditionalCheckFailed';

/** Only a live entity (not a tombstone) at the expected version may be written. */
function onVersion(expected: number) {
  return {
    ConditionExpression: '#type = :entity AND #version = :expected',
    ExpressionAttributeNames: { '#type': 'type', '#version': 'version' },
    ExpressionAttributeValues: { ':entity': ENTITY_TYPE, ':expected': expected },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
}

/** The entity's own condition failed: gone or deleted (404), or at another version (412). */
function versionConflict(id: string, reason: CancellationReason): Error {
  const current = reason.Item?.['version'];
  if (typeof current !== 'number' || reason.Item?.['type'] !== ENTITY_TYPE) return new NotFoundError(`No entity with id ${id} exists, or you may not see it.`);
  return new PreconditionFailedError(`The entity changed concurrently and is now at version ${current}; fetch it again and retry with the current ETag.`, current);
}

/** Why `create` refuses an entity, from its two items' cancellation reasons: the id exists (409), or the name is taken. */
function refusalOf(entity: Entity, own: CancellationReason | undefined, claim: CancellationReason | undefined): ConflictError | undefined {
  if (failed(own)) return new ConflictError(`An entity with id ${entity.id} already exists.`);
  if (failed(claim)) return new NameTakenError(entity.name, holderOf(claim));
  return undefined;
}

/** A refusal is an outcome of createMany; anything else fails it. */
function refusal(error: unknown): CreateManyOutcome {
  if (error instanceof ConflictError) return error;
  throw error;
}

function holderOf(reason: CancellationReason): string {
  const holder = reason.Item?.['entityId'];
  return typeof holder === 'string' ? holder : 'unknown';
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
