import type { Entity } from './entity.ts';
import type { EntityEvent, Tombstone } from './entityEventSchema.ts';
import { ENTITY_EVENT_SCHEMA_VERSION } from './entityEventVersion.ts';

/**
 * The domain events every change to an entity produces, as published on the EventBridge bus:
 * `source` = ENTITY_EVENT_SOURCE, `detail-type` = the event type, `detail` = the envelope.
 * Producer (the stream publisher) and consumers share them; the envelope's schema, which only
 * the consumers' parser and the contract need, is in ./entityEventSchema.ts (so the producers do
 * not bundle the entity schemas).
 */
export const ENTITY_EVENT_SOURCE = 'entity-platform.entities';
export const ENTITY_EVENT_TYPES = ['EntityCreated', 'EntityUpdated', 'EntityDeleted'] as const;
export type EntityEventType = (typeof ENTITY_EVENT_TYPES)[number];

export type { EntityEvent, Tombstone } from './entityEventSchema.ts';

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

/**
 * The age, at `now` (epoch ms), of the oldest change among `events` (by `occurredAt`), in seconds:
 * how far behind its source a consumer that just applied them is. Undefined for no events.
 */
export function oldestEventAgeSeconds(events: readonly EntityEvent[], now: number): number | undefined {
  let oldest = Infinity;
  for (const event of events) {
    const at = Date.parse(event.occurredAt);
    if (at < oldest) oldest = at;
  }
  return oldest === Infinity ? undefined : Math.max(0, (now - oldest) / 1000);
}
