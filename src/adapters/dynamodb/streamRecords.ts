import type { DynamoDBRecord } from 'aws-lambda';
import { entityChanged, entityDeleted, type EntityEvent } from '../../domain/entityEvents.ts';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { UNMARSHALL_OPTIONS } from './dynamoClient.ts';
import { ENTITY_TYPE, TOMBSTONE_TYPE, fromItem, fromTombstoneItem } from './entityItem.ts';

/**
 * The table's stream is the outbox: an entity item that appears is `EntityCreated`, one that
 * changes is `EntityUpdated`, one replaced by a tombstone is `EntityDeleted`. Anything else
 * (name claims, idempotency records, audit items, tombstones expiring) is no event; the event
 * source mapping's filter drops those before they reach the publisher.
 */
export function entityEventFromStreamRecord(record: DynamoDBRecord): EntityEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (!image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>, UNMARSHALL_OPTIONS);
  const correlationId = typeof item['correlationId'] === 'string' ? item['correlationId'] : null;
  if (item['type'] === ENTITY_TYPE) {
    const old = record.dynamodb?.OldImage ? unmarshall(record.dynamodb.OldImage as Record<string, AttributeValue>, UNMARSHALL_OPTIONS) : undefined;
    const previousName = old?.['type'] === ENTITY_TYPE && typeof old['name'] === 'string' ? old['name'] : undefined;
    return entityChanged(record.eventName === 'INSERT' ? 'EntityCreated' : 'EntityUpdated', fromItem(item), correlationId, previousName);
  }
  if (item['type'] === TOMBSTONE_TYPE) return entityDeleted(fromTombstoneItem(item), correlationId);
  return undefined;
}

/** The stream filter (event source mapping FilterCriteria) that lets only entity changes through. */
export const ENTITY_STREAM_FILTER = { dynamodb: { NewImage: { type: { S: [ENTITY_TYPE, TOMBSTONE_TYPE] } } } } as const;
