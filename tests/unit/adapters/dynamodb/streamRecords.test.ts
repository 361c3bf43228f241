import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { entityEventFromStreamRecord } from '../../../../src/adapters/dynamodb/streamRecords.ts';
import { entityEventSchema } from '../../../../src/domain/entityEventSchema.ts';

const id = randomUUID();
const image = (extra: Record<string, unknown>) => ({
  pk: { S: `ENTITY#${id}` }, sk: { S: 'METADATA' }, id: { S: id }, tenantId: { S: 'acme' }, name: { S: 'Widget' },
  attributes: { M: { colour: { S: 'red' }, tags: { L: [{ S: 'a' }] }, empty: { M: {} } } }, visibility: { S: 'public' },
  createdAt: { S: '2026-11-21T10:00:00.000Z' }, updatedAt: { S: '2026-11-21T11:00:00.000Z' }, ...extra,
});
const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', newImage?: Record<string, unknown>): DynamoDBRecord =>
  ({ eventName, dynamodb: { SequenceNumber: '1', ...(newImage && { NewImage: newImage }) } }) as DynamoDBRecord;

describe('entityEventFromStreamRecord (the outbox mapping)', () => {
  it('maps an inserted entity to EntityCreated and a modified one to EntityUpdated, envelope valid', () => {
    const created = entityEventFromStreamRecord(record('INSERT', image({ type: { S: 'Entity' }, version: { N: '1' }, correlationId: { S: 'c-1' } })));
    expect(entityEventSchema.parse(created)).toMatchObject({ type: 'EntityCreated', eventId: `${id}#1`, version: 1, correlationId: 'c-1', occurredAt: '2026-11-21T11:00:00.000Z' });
    expect(created && 'entity' in created && created.entity.attributes).toEqual({ colour: 'red', tags: ['a'], empty: {} });
    const updated = entityEventFromStreamRecord(record('MODIFY', image({ type: { S: 'Entity' }, version: { N: '4' } })));
    expect(entityEventSchema.parse(updated)).toMatchObject({ type: 'EntityUpdated', version: 4, correlationId: null });
  });

  it('reads a large exact integer as the number it is, so the event serialises (the SDK default makes it a BigInt)', () => {
    const created = entityEventFromStreamRecord(record('INSERT', image({ type: { S: 'Entity' }, version: { N: '1' }, attributes: { M: { big: { N: '1152921504606846976' }, huge: { N: '1e+300' } } } })));
    expect(created && 'entity' in created && created.entity.attributes).toEqual({ big: 2 ** 60, huge: 1e300 });
    expect(JSON.parse(JSON.stringify(created))).toMatchObject({ entity: { attributes: { big: 2 ** 60 } } });
  });

  it('maps a tombstone to EntityDeleted with the tombstone', () => {
    const deleted = entityEventFromStreamRecord(
      record('MODIFY', { pk: { S: `ENTITY#${id}` }, sk: { S: 'METADATA' }, type: { S: 'Tombstone' }, id: { S: id }, tenantId: { S: 'acme' }, name: { S: 'Widget' }, version: { N: '5' }, deletedAt: { S: '2026-11-21T12:00:00.000Z' }, correlationId: { S: 'c-9' } }),
    );
    expect(entityEventSchema.parse(deleted)).toEqual({
      schemaVersion: 1, eventId: `${id}#5`, type: 'EntityDeleted', tenantId: 'acme', entityId: id, version: 5, occurredAt: '2026-11-21T12:00:00.000Z', correlationId: 'c-9',
      tombstone: { id, tenantId: 'acme', name: 'Widget', version: 5, deletedAt: '2026-11-21T12:00:00.000Z' },
    });
  });

  it('produces no event for name claims, idempotency records, audit items or expiring tombstones', () => {
    expect(entityEventFromStreamRecord(record('INSERT', { pk: { S: 'NAME#acme#widget' }, sk: { S: 'NAME' }, type: { S: 'NameClaim' } }))).toBeUndefined();
    expect(entityEventFromStreamRecord(record('INSERT', { pk: { S: 'IDEMPOTENCY#x' }, sk: { S: 'IDEMPOTENCY' }, status: { S: 'INPROGRESS' } }))).toBeUndefined();
    expect(entityEventFromStreamRecord(record('INSERT', { pk: { S: `ENTITY#${id}` }, sk: { S: 'AUDIT#…' }, type: { S: 'Audit' } }))).toBeUndefined();
    expect(entityEventFromStreamRecord(record('REMOVE'))).toBeUndefined();
  });
});
