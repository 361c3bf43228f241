import { ConflictError, NameTakenError, NotFoundError, ValidationError, type FieldIssue } from './errors.ts';
import { EntityService } from './entityService.ts';
import type { LegacyMessage, LegacyUpsert } from './legacyMessages.ts';
import type { Clock, EntityRepository } from './ports.ts';
import { SCOPES, type Principal } from './principal.ts';

/**
 * Where inbound messages come from: a tenant's named source system. The bridge takes it from the
 * queue a message arrived on (configured per queue), never from the message.
 */
export interface LegacySource {
  readonly tenantId: string;
  readonly source: string;
}

/**
 * The stored link from a source's external id to the entity it feeds (one item per tenant, source
 * and external id in the table). `generation` counts the entity's lives: a delete ends one, and
 * the next upsert creates a new entity whose id is derived from (tenant, source, externalId,
 * generation), so a retried message finds the entity an earlier attempt created.
 */
export interface ExternalIdMapping extends LegacySource {
  readonly externalId: string;
  /** The live entity; absent after a delete (or before the first upsert). */
  readonly entityId?: string;
  readonly generation: number;
  /** The highest source version applied; messages at or below it change nothing. */
  readonly appliedVersion: number;
  /** Compare-and-set counter of the item itself. */
  readonly revision: number;
}

export interface ExternalIdMappings {
  get(source: LegacySource, externalId: string): Promise<ExternalIdMapping | undefined>;
  /** Stores `next` if the stored mapping is still at `expectedRevision` (0: none stored); false when another writer got in first. */
  put(next: ExternalIdMapping, expectedRevision: number): Promise<boolean>;
  /** The entity id of an external id's life `generation`: always the same for the same arguments, distinct otherwise (a UUID). */
  entityIdFor(source: LegacySource, externalId: string, generation: number): string;
}

export type LegacyOutcome =
  | { readonly kind: 'created' | 'updated' | 'unchanged' | 'deleted'; readonly entityId: string | undefined }
  /** Already applied: the same version again (a redelivery or a duplicate). */
  | { readonly kind: 'duplicate'; readonly entityId: string | undefined }
  /** Older than the version applied: ignored (and counted). */
  | { readonly kind: 'stale'; readonly entityId: string | undefined; readonly appliedVersion: number }
  /** Valid, but the domain refuses it (the name is another entity's, …): dead-lettered with the reason. */
  | { readonly kind: 'rejected'; readonly reason: string; readonly errors?: readonly FieldIssue[] };

export interface LegacyInboundDeps {
  readonly repository: EntityRepository;
  readonly mappings: ExternalIdMappings;
  readonly clock: Clock;
}

/** Attempts when a concurrent consumer changed the same mapping in between (the ESM runs one consumer per queue, so rarely). */
const MAPPING_ATTEMPTS = 3;
/** Lives skipped when the entity of a mapping was deleted through the API meanwhile. */
const GENERATION_SKIPS = 5;

/**
 * Applies legacy messages through the entity service, with the API's rules (schema, unique names
 * per tenant, versions, events): idempotent per (tenant, source, externalId, version).
 *
 * Order of writes: the entity first, then the mapping. A crash in between leaves the mapping at
 * the older version: the redelivered message derives the same entity id and applies the same
 * content again, which changes nothing (an unchanged replace is no write; a create finds its
 * entity). Callers run the messages of one external id one after the other.
 */
export class LegacyInbound {
  private readonly deps: LegacyInboundDeps;
  /** The service of bulk creations (createMany is given its ids). */
  private readonly bulk: EntityService;

  constructor(deps: LegacyInboundDeps) {
    this.deps = deps;
    this.bulk = new EntityService({ repository: deps.repository, clock: deps.clock, ids: { newId: () => { throw new Error('createMany is given its ids'); } } });
  }

  async apply(source: LegacySource, message: LegacyMessage): Promise<LegacyOutcome> {
    for (let attempt = 1; ; attempt++) {
      const mapping = await this.deps.mappings.get(source, message.externalId);
      if (mapping && message.version <= mapping.appliedVersion) {
        return message.version === mapping.appliedVersion
          ? { kind: 'duplicate', entityId: mapping.entityId }
          : { kind: 'stale', entityId: mapping.entityId, appliedVersion: mapping.appliedVersion };
      }
      let result: { kind: 'created' | 'updated' | 'unchanged' | 'deleted'; entityId: string | undefined; generation: number };
      try {
        result = message.op === 'delete' ? await this.deleteEntity(source, mapping) : await this.upsertEntity(source, message, mapping);
      } catch (error) {
        if (error instanceof NameTakenError) return { kind: 'rejected', reason: error.message };
        if (error instanceof ValidationError) return { kind: 'rejected', reason: error.message, errors: error.issues };
        throw error;
      }
      const entityId = result.kind !== 'deleted' ? result.entityId : undefined;
      if (await this.recordApplied(source, message, mapping, entityId, result.generation)) return { kind: result.kind, entityId: result.entityId };
      if (attempt >= MAPPING_ATTEMPTS) throw new Error(`The mapping of ${source.tenantId}/${source.source}/${message.externalId} kept changing concurrently`);
    }
  }

  /**
   * The bulk path (EntityRepository.createMany) of the messages that create an entity: given the
   * first message of each external id in a batch, those that are upserts with no live entity
   * mapped and a newer version than the one applied are created together, in the given order
   * (of two with the same name, the first wins), and then their mappings stored. One result per
   * item: the outcome, or `undefined` for an item `apply` must take instead (not a creation; the id
   * exists, from an earlier attempt or as a tombstone; the mapping changed meanwhile). The same
   * order of writes as `apply`: the entity, then the mapping.
   */
  async createFirst(items: readonly { readonly source: LegacySource; readonly message: LegacyMessage }[]): Promise<(LegacyOutcome | undefined)[]> {
    const results: (LegacyOutcome | undefined)[] = items.map(() => undefined);
    const mappings = await Promise.all(items.map(({ source, message }) => (message.op === 'upsert' ? this.deps.mappings.get(source, message.externalId) : Promise.resolve(undefined))));
    // Creations per source (one writer each), in the items' order.
    const bySource = new Map<string, { source: LegacySource; indexes: number[] }>();
    items.forEach(({ source, message }, i) => {
      const mapping = mappings[i];
      const creates = message.op === 'upsert' && (mapping === undefined || (mapping.entityId === undefined && message.version > mapping.appliedVersion));
      if (!creates) return;
      const key = JSON.stringify([source.tenantId, source.source]);
      const group = bySource.get(key) ?? { source, indexes: [] };
      group.indexes.push(i);
      bySource.set(key, group);
    });
    for (const { source, indexes } of bySource.values()) {
      const creations = indexes.map((i) => {
        const message = items[i]!.message as LegacyUpsert;
        const id = this.deps.mappings.entityIdFor(source, message.externalId, mappings[i]?.generation ?? 0);
        return { id, input: { name: message.name, attributes: message.attributes, visibility: message.visibility } };
      });
      const decided = await this.bulk.createMany(sourcePrincipal(source), creations);
      await Promise.all(
        decided.map(async ({ entity, refused }, k) => {
          const i = indexes[k]!;
          if (refused instanceof NameTakenError) results[i] = { kind: 'rejected', reason: refused.message };
          if (refused !== undefined) return; // an id that exists: `apply` tells an earlier attempt's entity from a tombstone
          const mapping = mappings[i];
          if (await this.recordApplied(source, items[i]!.message, mapping, entity.id, mapping?.generation ?? 0)) results[i] = { kind: 'created', entityId: entity.id };
        }),
      );
    }
    return results;
  }

  /** Stores that `message` is applied (the entity it left live, if any), if the mapping is still `mapping`; false when another writer got in first. */
  private recordApplied(source: LegacySource, message: LegacyMessage, mapping: ExternalIdMapping | undefined, entityId: string | undefined, generation: number): Promise<boolean> {
    const next: ExternalIdMapping = {
      tenantId: source.tenantId,
      source: source.source,
      externalId: message.externalId,
      ...(entityId !== undefined && { entityId }),
      generation,
      appliedVersion: message.version,
      revision: (mapping?.revision ?? 0) + 1,
    };
    return this.deps.mappings.put(next, mapping?.revision ?? 0);
  }

  private async upsertEntity(source: LegacySource, message: LegacyUpsert, mapping: ExternalIdMapping | undefined) {
    const input = { name: message.name, attributes: message.attributes, visibility: message.visibility };
    let generation = mapping?.generation ?? 0;
    let entityId = mapping?.entityId ?? this.deps.mappings.entityIdFor(source, message.externalId, generation);
    for (let skipped = 0; ; skipped++) {
      const written = await this.writeEntity(source, entityId, input);
      if (written !== 'gone') return { kind: written, entityId, generation };
      // The entity was deleted through the API: the upsert starts its next life.
      if (skipped >= GENERATION_SKIPS) throw new Error(`Entity ids of ${source.tenantId}/${source.source}/${message.externalId} are all taken by deleted entities`);
      generation += 1;
      entityId = this.deps.mappings.entityIdFor(source, message.externalId, generation);
    }
  }

  /**
   * The entity write of an upsert one message at a time (creations in bulk: `createFirst`):
   * replaces the entity if it lives, else creates it with the given id. `gone`: the id belongs to a deleted entity.
   */
  private async writeEntity(source: LegacySource, entityId: string, input: Pick<LegacyUpsert, 'name' | 'attributes' | 'visibility'>): Promise<'created' | 'updated' | 'unchanged' | 'gone'> {
    const service = this.serviceFor(entityId);
    const writer = sourcePrincipal(source);
    const current = await this.deps.repository.get(entityId);
    if (current) {
      const next = await service.replace(writer, entityId, input, undefined);
      return next.version === current.version ? 'unchanged' : 'updated';
    }
    try {
      await service.create(writer, input);
      return 'created';
    } catch (error) {
      // A create of an id that exists, and is not live: a tombstone (a name conflict is a ConflictError too).
      if (error instanceof ConflictError && !(error instanceof NameTakenError)) return 'gone';
      throw error;
    }
  }

  private async deleteEntity(source: LegacySource, mapping: ExternalIdMapping | undefined) {
    const generation = mapping?.generation ?? 0;
    if (mapping?.entityId === undefined) return { kind: 'deleted' as const, entityId: undefined, generation };
    try {
      await this.serviceFor(mapping.entityId).delete(sourcePrincipal(source), mapping.entityId, undefined);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error; // already deleted (by an earlier attempt, or through the API)
    }
    return { kind: 'deleted' as const, entityId: mapping.entityId, generation: generation + 1 };
  }

  private serviceFor(entityId: string): EntityService {
    return new EntityService({ repository: this.deps.repository, clock: this.deps.clock, ids: { newId: () => entityId } });
  }
}

/** The writer a source acts as: its tenant, write scope only. */
function sourcePrincipal(source: LegacySource): Principal {
  return { subject: `legacy:${source.source}`, tenantId: source.tenantId, scopes: new Set([SCOPES.write]), groups: new Set() };
}
