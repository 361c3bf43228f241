import type { Attributes, Entity } from './entity.ts';
import { checkAttributes } from './attributes.ts';
import { applyMergePatch } from './mergePatch.ts';
import { canSee, requireScope, SCOPES, type Principal, type ReadScope } from './principal.ts';
import { NotFoundError, PreconditionFailedError, ValidationError } from './errors.ts';
import type { CreateEntityInput, ListEntitiesQuery, PatchEntityInput, ReplaceEntityInput } from './entitySchemas.ts';
import type { Clock, CreateManyOutcome, EntityRepository, IdGenerator, Page } from './ports.ts';

export interface EntityServiceDeps {
  readonly repository: EntityRepository;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

/**
 * `undefined` means the caller sent no If-Match: the change applies to whatever version is
 * current (retried on a concurrent write). A number means "only if the stored version is this one".
 */
export type ExpectedVersion = number | undefined;

/** Read-modify-write attempts when the caller did not pin a version and another writer got in first. */
const UNPINNED_WRITE_ATTEMPTS = 3;

export class EntityService {
  private readonly deps: EntityServiceDeps;

  constructor(deps: EntityServiceDeps) {
    this.deps = deps;
  }

  async create(principal: Principal | undefined, input: CreateEntityInput): Promise<Entity> {
    const writer = requireScope(principal, SCOPES.write);
    const entity = newEntity(writer, this.deps.ids.newId(), input, this.deps.clock.now().toISOString());
    await this.deps.repository.create(entity);
    return entity;
  }

  /**
   * Creates many entities in the writer's tenant, each as `create` would, through the
   * repository's bulk write. The ids are the caller's: derived from where each record comes from
   * (an import's job and line), so a record written before a restart is recognised when it comes
   * again (`ConflictError`). One result per item, in order: the entity, and `refused` when it was
   * not created (`NameTakenError`, `ConflictError`); same-name items are decided in order.
   */
  async createMany(principal: Principal | undefined, items: readonly { readonly id: string; readonly input: CreateEntityInput }[]): Promise<{ readonly entity: Entity; readonly refused: CreateManyOutcome }[]> {
    const writer = requireScope(principal, SCOPES.write);
    const now = this.deps.clock.now().toISOString();
    const entities = items.map((item) => newEntity(writer, item.id, item.input, now));
    const outcomes = await this.deps.repository.createMany(entities);
    return entities.map((entity, i) => ({ entity, refused: outcomes[i] }));
  }

  /** Another tenant's entity, or a private one an anonymous caller asks for, does not exist (404, never 403). */
  async get(scope: ReadScope, id: string): Promise<Entity> {
    const entity = await this.deps.repository.get(id);
    if (!entity || !canSee(scope, entity)) throw notFound(id);
    return entity;
  }

  list(scope: ReadScope, query: ListEntitiesQuery): Promise<Page<Entity>> {
    return this.deps.repository.list({ scope, limit: query.limit, ...(query.name !== undefined && { name: query.name }), ...(query.cursor !== undefined && { cursor: query.cursor }) });
  }

  replace(principal: Principal | undefined, id: string, input: ReplaceEntityInput, expected: ExpectedVersion): Promise<Entity> {
    return this.modify(principal, id, expected, () => ({ name: input.name, attributes: input.attributes, visibility: input.visibility }));
  }

  patch(principal: Principal | undefined, id: string, patch: PatchEntityInput, expected: ExpectedVersion): Promise<Entity> {
    return this.modify(principal, id, expected, (current) => {
      const attributes = patch.attributes === undefined ? current.attributes : (applyMergePatch(current.attributes, patch.attributes) as Attributes);
      const issues = checkAttributes(attributes);
      if (issues.length > 0) throw new ValidationError('The patched attributes are invalid.', issues);
      return { name: patch.name ?? current.name, attributes, visibility: patch.visibility ?? current.visibility };
    });
  }

  async delete(principal: Principal | undefined, id: string, expected: ExpectedVersion): Promise<void> {
    const writer = requireScope(principal, SCOPES.write);
    await this.withFreshVersion(expected, async () => {
      const current = await this.loadOwned(writer, id, expected);
      await this.deps.repository.delete(current, this.deps.clock.now().toISOString());
    });
  }

  private async modify(
    principal: Principal | undefined,
    id: string,
    expected: ExpectedVersion,
    change: (current: Entity) => Pick<Entity, 'name' | 'attributes' | 'visibility'>,
  ): Promise<Entity> {
    const writer = requireScope(principal, SCOPES.write);
    return this.withFreshVersion(expected, async () => {
      const current = await this.loadOwned(writer, id, expected);
      const fields = change(current);
      if (sameContent(current, fields)) return current;
      const next: Entity = { ...current, ...fields, version: current.version + 1, updatedAt: this.deps.clock.now().toISOString() };
      await this.deps.repository.update(next, current);
      return next;
    });
  }

  /** Loads an entity of the writer's tenant and checks the caller's If-Match against it. */
  private async loadOwned(writer: Principal, id: string, expected: ExpectedVersion): Promise<Entity> {
    const current = await this.deps.repository.get(id);
    if (!current || current.tenantId !== writer.tenantId) throw notFound(id);
    if (expected !== undefined && expected !== current.version) {
      throw new PreconditionFailedError(
        `If-Match names version ${expected} but the entity is at version ${current.version}; fetch it again and retry with the current ETag.`,
        current.version,
      );
    }
    return current;
  }

  /** A pinned write fails fast on a conflict; an unpinned one re-reads and tries again. */
  private async withFreshVersion<T>(expected: ExpectedVersion, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (expected !== undefined || !(error instanceof PreconditionFailedError) || n >= UNPINNED_WRITE_ATTEMPTS) throw error;
      }
    }
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`No entity with id ${id} exists, or you may not see it.`);
}

function sameContent(current: Entity, fields: Pick<Entity, 'name' | 'attributes' | 'visibility'>): boolean {
  return current.name === fields.name && current.visibility === fields.visibility && JSON.stringify(current.attributes) === JSON.stringify(fields.attributes);
}

/** A new entity of the writer's tenant at version 1. */
function newEntity(writer: Principal, id: string, input: CreateEntityInput, now: string): Entity {
  return { id, tenantId: writer.tenantId, name: input.name, attributes: input.attributes, visibility: input.visibility, version: 1, createdAt: now, updatedAt: now };
}
