import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { brokerNames } from '../../src/adapters/rabbitmq/brokerDefinitions.ts';
import type { Entity } from '../../src/domain/entity.ts';
import { ENTITY_EVENT_SOURCE, entityChanged, entityDeleted, type EntityEvent } from '../../src/domain/entityEvents.ts';
import { ensureTable, freePort } from '../../scripts/lib/localStack.ts';
import { eventually } from '../support/eventually.ts';
import { testBroker } from '../support/legacyBroker.ts';
import { tcpProxy } from '../support/tcpProxy.ts';

/**
 * The outbound half of the legacy bridge (issue 21): entity events as the bus's queue delivers
 * them (out of order, some twice) through the real publisher function into the local RabbitMQ,
 * read by a subscriber bound to `<tenant>.entity.*`. The function reaches the broker through a TCP
 * proxy that drops every connection and refuses new ones for a while: the broker outage is
 * simulated there, the machine's RabbitMQ is never restarted (other runs use it).
 */
const tenant = `acme-${randomUUID().slice(0, 6)}`;
const table = `legacy-outbound-${randomUUID()}`;
const context = { awsRequestId: 'r', functionName: 'publishLegacyEvents', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
let broker: Awaited<ReturnType<typeof testBroker>>;
let proxy: Awaited<ReturnType<typeof tcpProxy>>;
let handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
const received: { routingKey: string; messageId: string; event: EntityEvent }[] = [];
let subscriber: { close(): Promise<void> };

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  broker = await testBroker([]);
  proxy = await tcpProxy(5672);
  Object.assign(process.env, {
    STAGE: 'local', AWS_REGION: 'eu-west-1', ENTITIES_TABLE: table, DYNAMODB_ENDPOINT: endpoint, IDENTITY_PROVIDER: 'local',
    LOCAL_ISSUER_DIR: inject('issuerDir'), CURSOR_SIGNING_KEY: 'local-only-cursor-signing-key', EVENT_BUS_NAME: 'unused',
    LEGACY_PREFIX: broker.prefix, LEGACY_SOURCES: '', LEGACY_BROKER_URL: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../functions/legacy/publishLegacyEvents.ts'));
  // A legacy subscriber: a queue of its own bound to this tenant's entity events.
  const queue = `${broker.prefix}.subscriber`;
  subscriber = broker.connection.createConsumer(
    { queue, queueOptions: { exclusive: true, autoDelete: true }, queueBindings: [{ exchange: brokerNames(broker.prefix).events, routingKey: `${tenant}.entity.*` }] },
    (message) => {
      received.push({ routingKey: message.routingKey, messageId: String(message.messageId), event: message.body as EntityEvent });
    },
  );
  await eventually(() => broker.connection.queueDeclare({ queue, passive: true }).then(() => true, () => false), Boolean, 10_000);
}, 60_000);

afterAll(async () => {
  await subscriber?.close();
  await broker?.dispose();
  await proxy?.close();
});

/** Five changes of each of 12 entities: created, three updates, deleted. */
function events(): EntityEvent[] {
  return Array.from({ length: 12 }, (_, n) => {
    const id = randomUUID();
    const at = (v: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, v)).toISOString();
    const entity = (v: number): Entity => ({ id, tenantId: tenant, name: `E${n}`, attributes: { v }, visibility: 'private', version: v, createdAt: at(1), updatedAt: at(v) });
    return [
      entityChanged('EntityCreated', entity(1), null),
      ...[2, 3, 4].map((v) => entityChanged('EntityUpdated', entity(v), null)),
      entityDeleted({ id, tenantId: tenant, name: `E${n}`, version: 5, deletedAt: at(5) }, null),
    ];
  }).flat();
}

describe('legacy bridge outbound to the local RabbitMQ (issue 21)', () => {
  it('every change arrives once per event id, in order per entity, across dropped and refused broker connections (a TCP proxy)', async () => {
    const all = events();
    // The queue as SQS would hold it: shuffled (the bus does not order), a few delivered twice.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pending = [...all, ...all.filter((_, i) => i % 9 === 0)].map((event) => ({ event, id: randomUUID(), receives: 0 })).sort(() => random() - 0.5);
    const deadLetters: EntityEvent[] = [];
    let failedDuringOutage = 0;
    for (let round = 0; pending.length > 0 && round < 60; round++) {
      if (round === 2) {
        proxy.retarget(await freePort()); // nothing listens there: the broker refuses connections
        proxy.drop(); // and every open one is cut
      }
      if (round === 4) proxy.retarget(5672);
      const batch = pending.splice(0, 10);
      for (const item of batch) item.receives += 1;
      const result = await handler(
        {
          Records: batch.map((item) => ({
            messageId: item.id, receiptHandle: item.id, body: JSON.stringify({ source: ENTITY_EVENT_SOURCE, 'detail-type': item.event.type, detail: item.event }),
            attributes: { ApproximateReceiveCount: String(item.receives) }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:local:0:q', awsRegion: 'local',
          })) as SQSEvent['Records'],
        },
        context,
      );
      const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      if (round >= 2 && round < 4) failedDuringOutage += failed.size;
      for (const item of batch.filter((i) => failed.has(i.id))) {
        if (item.receives >= 10) deadLetters.push(item.event);
        else pending.push(item);
      }
    }
    expect(failedDuringOutage).toBeGreaterThan(0); // the outage was real: publishes failed and came back
    expect(pending).toEqual([]);
    expect(deadLetters).toEqual([]);
    await eventually(() => Promise.resolve(new Set(received.map((r) => r.messageId)).size), (n) => n >= all.length, 30_000);

    // Once per event id (a redelivery may repeat one: subscribers deduplicate by it), every one of them.
    const firsts = received.filter((r, i) => received.findIndex((o) => o.messageId === r.messageId) === i);
    expect(firsts.map((r) => r.messageId).sort()).toEqual(all.map((e) => e.eventId).sort());
    for (const r of firsts) {
      expect(r.event.eventId).toBe(r.messageId);
      expect(r.routingKey).toBe(`${tenant}.entity.${r.event.type.replace('Entity', '').toLowerCase()}`);
      expect(r.event).toEqual(all.find((e) => e.eventId === r.messageId));
    }
    // In order per entity.
    for (const entityId of new Set(all.map((e) => e.entityId))) {
      expect(firsts.filter((r) => r.event.entityId === entityId).map((r) => r.event.version)).toEqual([1, 2, 3, 4, 5]);
    }
  }, 240_000);
});
