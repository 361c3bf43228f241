import * as z from 'zod/mini';
import type { Entity } from './entity.ts';
import { entitySchema } from './entitySchemas.ts';

/**
 * The domain events every change to an entity produces, as published on the EventBridge bus:
 * `source` = ENTITY_EVENT_SOURCE, `detail-type` = the event type, `detail` = the envelope.
 * Producer (the stream publisher) and consumers share these schemas.
 */
export const ENTITY_EVENT_SOURCE = 'entity-platform.entities';
export const ENTITY_EVENT_TYPES = ['EntityCreated', 'EntityUpdated', 'EntityDeleted'] as const;
export type EntityEventType = (typeof ENTITY_EVENT_TYPES)[number];

/** Bumped on any incompatible change of the envelope; consumers reject versions they do not know. */
export const ENTITY_EVENT_SCHEMA_VERSION = 1;

/** The entity as it is after the change: the same schema as the API's entity responses. */
export const entitySnapshotSchema = entitySchema;

/** What is left of a deleted entity: enough to project the deletion. Its version is the entity's last version + 1. */
export const tombstoneSchema = z.object({
  id: z.uuid(),
  tenantId: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  version: z.number().check(z.int(), z.positive()),
  deletedAt: z.iso.datetime(),
});
export type Tombstone = z.output<typeof tombstoneSchema>;

const envelope = {
  schemaVersion: z.literal(ENTITY_EVENT_SCHEMA_VERSION),
  /** `<entityId>#<version>`: the same change always has the same id, however often it is delivered. */
  eventId: z.string().check(z.minLength(1)),
  tenantId: z.string().check(z.minLength(1)),
  entityId: z.uuid(),
  version: z.number().check(z.int(), z.positive()),
  occurredAt: z.iso.datetime(),
  /** The correlation id of the request that made the change (null when it came from outside a request). */
  correlationId: z.nullable(z.string()),
};

export const entityEventSchema = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('EntityCreated'), entity: entitySnapshotSchema }),
  z.object({
    ...envelope,
    type: z.literal('EntityUpdated'),
    entity: entitySnapshotSchema,
    /** The name before this change, when the change renamed the entity (caches keyed by name need it). */
    previousName: z.optional(z.string().check(z.minLength(1))),
  }),
  z.object({ ...envelope, type: z.literal('EntityDeleted'), tombstone: tombstoneSchema }),
]);
export type EntityEvent = z.output<typeof entityEventSchema>;

export function entityChanged(type: 'EntityCreated' | 'EntityUpdated', entity: Entity, correlationId: string | null, previousName?: string): EntityEvent {
  const envelope = envelopeOf(entity.id, entity.tenantId, entity.version, entity.updatedAt, correlationId);
  if (type === 'EntityCreated') return { ...envelope, type, entity };
  return { ...envelope, type, entity, ...(previousName !== undefined && previousName !== entity.name && { previousName }) };
}

/** Every name an event's change touched: the entity's name, and its previous one after a rename. */
export function namesTouchedBy(event: EntityEvent): string[] {
  switch (event.type) {
    case 'EntityCreated':
      return [event.entity.name];
    case 'EntityUpdated':
      return event.previousName === undefined ? [event.entity.name] : [event.previousName, event.entity.name];
    case 'EntityDeleted':
      return [event.tombstone.name];
  }
}

export function entityDeleted(tombstone: Tombstone, correlationId: string | null): EntityEvent {
  return { ...envelopeOf(tombstone.id, tombstone.tenantId, tombstone.version, tombstone.deletedAt, correlationId), type: 'EntityDeleted', tombstone };
}

function envelopeOf(entityId: string, tenantId: string, version: number, occurredAt: string, correlationId: string | null) {
  return { schemaVersion: ENTITY_EVENT_SCHEMA_VERSION, eventId: `${entityId}#${version}`, tenantId, entityId, version, occurredAt, correlationId } as const;
}
