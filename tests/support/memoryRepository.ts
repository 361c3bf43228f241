import { normalizeName, type Entity } from '../../src/domain/entity.ts';
import { ConflictError, NameTakenError, NotFoundError, PreconditionFailedError, ValidationError } from '../../src/domain/errors.ts';
import type { Clock, CreateManyOutcome, EntityRepository, IdGenerator, ListEntitiesCriteria, Page } from '../../src/domain/ports.ts';
import { canSee } from '../../src/domain/principal.ts';

const copy = (entity: Entity): Entity => structuredClone(entity);

/**
 * An in-memory EntityRepository that honours the port contract: conditional update/delete on
 * `previous.version` (PreconditionFailedError, or NotFoundError when the entity is gone), names
 * unique per tenant (NameTakenError), a create of an existing id is a ConflictError, and a
 * malformed cursor is a ValidationError. Every read and write copies, so callers can never alias
 * stored state.
 */
export class MemoryEntityRepository implements EntityRepository {
  readonly items = new Map<string, Entity>();
  readonly writes: Array<{ op: 'create' | 'update' | 'delete'; id: string; expectedVersion?: number }> = [];

  constructor(initial: readonly Entity[] = []) {
    for (const entity of initial) this.items.set(entity.id, copy(entity));
  }

  create(entity: Entity): Promise<void> {
    if (this.items.has(entity.id)) return Promise.reject(new ConflictError(`An entity with id ${entity.id} already exists.`));
    const holder = this.nameHolder(entity);
    if (holder) return Promise.reject(new NameTakenError(entity.name, holder));
    this.items.set(entity.id, copy(entity));
    this.writes.push({ op: 'create', id: entity.id });
    return Promise.resolve();
  }

  /** One entity after another, as the contract allows (the store's grouping is DynamoEntityRepository's). */
  async createMany(entities: readonly Entity[]): Promise<CreateManyOutcome[]> {
    const outcomes: CreateManyOutcome[] = [];
    for (const entity of entities) outcomes.push(await this.create(entity).then(() => undefined, (error: unknown) => {
      if (error instanceof ConflictError) return error;
      throw error;
    }));
    return outcomes;
  }

  get(id: string): Promise<Entity | undefined> {
    const entity = this.items.get(id);
    return Promise.resolve(entity && copy(entity));
  }

  update(entity: Entity, previous: Entity): Promise<void> {
    const expectedVersion = previous.version;
    const conflict = this.conflict(entity.id, expectedVersion);
    if (conflict) return Promise.reject(conflict);
    const holder = this.nameHolder(entity);
    if (holder) return Promise.reject(new NameTakenError(entity.name, holder));
    this.items.set(entity.id, copy(entity));
    this.writes.push({ op: 'update', id: entity.id, expectedVersion });
    return Promise.resolve();
  }

  delete(entity: Entity, _deletedAt?: string): Promise<void> {
    const expectedVersion = entity.version;
    const conflict = this.conflict(entity.id, expectedVersion);
    if (conflict) return Promise.reject(conflict);
    this.items.delete(entity.id);
    this.writes.push({ op: 'delete', id: entity.id, expectedVersion });
    return Promise.resolve();
  }

  /** Offset cursors; good enough for the domain tests. */
  list(criteria: ListEntitiesCriteria): Promise<Page<Entity>> {
    const start = criteria.cursor === undefined ? 0 : Number(criteria.cursor);
    if (!Number.isInteger(start) || start < 0) {
      return Promise.reject(new ValidationError('The query string is invalid.', [{ path: '/cursor', message: 'cursor is invalid' }]));
    }
    const name = criteria.name === undefined ? undefined : normalizeName(criteria.name);
    const matching = [...this.items.values()]
      .filter((e) => canSee(criteria.scope, e) && (name === undefined || normalizeName(e.name) === name))
      .sort((a, b) => a.id.localeCompare(b.id));
    const end = start + criteria.limit;
    return Promise.resolve({ items: matching.slice(start, end).map(copy), nextCursor: end < matching.length ? String(end) : null });
  }

  /** Another entity of the same tenant holding this entity's name, if any. */
  private nameHolder(entity: Entity): string | undefined {
    const name = normalizeName(entity.name);
    return [...this.items.values()].find((e) => e.id !== entity.id && e.tenantId === entity.tenantId && normalizeName(e.name) === name)?.id;
  }

  /** Why a conditional write on `expectedVersion` must fail, if it must. */
  private conflict(id: string, expectedVersion: number): Error | undefined {
    const current = this.items.get(id);
    if (!current) return new NotFoundError(`No entity with id ${id} exists, or you may not see it.`);
    if (current.version !== expectedVersion) {
      return new PreconditionFailedError(`The entity changed concurrently and is now at version ${current.version}.`, current.version);
    }
    return undefined;
  }
}

/** A clock that returns the given instants in order, then keeps returning the last one. */
export function fixedClock(...isoInstants: string[]): Clock {
  let index = 0;
  return {
    now: () => new Date(isoInstants[Math.min(index++, isoInstants.length - 1)] ?? '2024-01-01T00:00:00.000Z'),
  };
}

/** Ids from a list, in order. */
export function sequentialIds(...ids: string[]): IdGenerator {
  let index = 0;
  return {
    newId: () => {
      const id = ids[index++];
      if (id === undefined) throw new Error('sequentialIds ran out of ids');
      return id;
    },
  };
}
