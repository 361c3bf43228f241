import { randomUUID } from 'node:crypto';
import type { Entity } from '../../src/domain/entity.ts';
import { entityChanged, entityDeleted, ENTITY_EVENT_SOURCE, type EntityEvent } from '../../src/domain/entityEvents.ts';

/** An entity at `version`, with timestamps that grow with the version. */
export function entityAt(tenantId: string, version: number, overrides: Partial<Entity> = {}): Entity {
  const base = Date.parse('2025-01-01T00:00:00.000Z');
  return {
    id: overrides.id ?? randomUUID(),
    tenantId,
    name: `Entity ${version}`,
    attributes: {},
    visibility: 'private',
    version,
    createdAt: new Date(base).toISOString(),
    updatedAt: new Date(base + version * 1000).toISOString(),
    ...overrides,
  };
}

export const changed = (entity: Entity): EntityEvent => entityChanged(entity.version === 1 ? 'EntityCreated' : 'EntityUpdated', entity, 'test');

export const deleted = (entity: Entity): EntityEvent =>
  entityDeleted({ id: entity.id, tenantId: entity.tenantId, name: entity.name, version: entity.version + 1, deletedAt: new Date(Date.parse(entity.updatedAt) + 1000).toISOString() }, 'test');

/** The SQS message body a rule delivers: the whole EventBridge event, the envelope in `detail`. */
export function eventBridgeBody(event: EntityEvent): string {
  return JSON.stringify({ 'version': '0', 'id': randomUUID(), 'detail-type': event.type, 'source': ENTITY_EVENT_SOURCE, 'account': '123456789012', 'time': event.occurredAt, 'region': 'eu-west-1', 'resources': [], 'detail': event });
}

export function sqsEvent(bodies: readonly string[]) {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}-${randomUUID()}`,
      receiptHandle: 'r',
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:entity-platform-local-read-model',
      awsRegion: 'eu-west-1',
    })),
  };
}
