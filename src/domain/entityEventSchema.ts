import * as z from 'zod/mini';
import { ENTITY_EVENT_SCHEMA_VERSION } from './entityEventVersion.ts';
import { entitySchema } from './entitySchemas.ts';

/** The envelope of the entity events (./entityEvents.ts), as consumers check it and the contract documents it. */

/** What is left of a deleted entity: enough to project the deletion. Its version is the entity's last version + 1. */
const tombstoneSchema = z.object({
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

/** `entity` is the entity as it is after the change: the same schema as the API's entity responses. */
export const entityEventSchema = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('EntityCreated'), entity: entitySchema }),
  z.object({
    ...envelope,
    type: z.literal('EntityUpdated'),
    entity: entitySchema,
    /** The name before this change, when the change renamed the entity (caches keyed by name need it). */
    previousName: z.optional(z.string().check(z.minLength(1))),
  }),
  z.object({ ...envelope, type: z.literal('EntityDeleted'), tombstone: tombstoneSchema }),
]);
export type EntityEvent = z.output<typeof entityEventSchema>;
