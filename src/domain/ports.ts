import type { Entity } from './entity.ts';
import type { ReadScope } from './principal.ts';

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; pass back unchanged to get the next page. `null` on the last page. */
  readonly nextCursor: string | null;
}

export interface ListEntitiesCriteria {
  readonly scope: ReadScope;
  /** Exact name match, case-insensitive after trimming. */
  readonly name?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * Persistence of entities. Writes are conditional: `update` and `delete` succeed only when the
 * stored version equals `expectedVersion`, and otherwise throw `PreconditionFailedError`
 * (or `NotFoundError` when the entity is gone). A malformed or foreign cursor throws `ValidationError`.
 */
export interface EntityRepository {
  create(entity: Entity): Promise<void>;
  get(id: string): Promise<Entity | undefined>;
  update(entity: Entity, expectedVersion: number): Promise<void>;
  delete(entity: Entity, expectedVersion: number): Promise<void>;
  list(criteria: ListEntitiesCriteria): Promise<Page<Entity>>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  newId(): string;
}
