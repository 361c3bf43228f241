import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { expect } from 'vitest';
import type { Entity } from '../../src/domain/entity.ts';
import { ENTITY_EVENT_SOURCE, entityChanged, entityDeleted, type EntityEvent } from '../../src/domain/entityEvents.ts';

/** The legacy bridge's outbound consumer (functions/legacy/publishLegacyEvents.ts), as its SQS queue invokes it. */
export type OutboundHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export const outboundContext = { awsRequestId: 'r', functionName: 'publishLegacyEvents', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** The environment the outbound consumer reads (the local stage, metrics, traces and logs off). */
export function outboundEnvironment(options: { table: string; dynamoEndpoint: string; issuerDir: string; prefix: string; brokerUrl: string }): Record<string, string> {
  return {
    STAGE: 'local', AWS_REGION: 'eu-west-1', ENTITIES_TABLE: options.table, DYNAMODB_ENDPOINT: options.dynamoEndpoint, IDENTITY_PROVIDER: 'local',
    LOCAL_ISSUER_DIR: options.issuerDir, CURSOR_SIGNING_KEY: 'local-only-cursor-signing-key', EVENT_BUS_NAME: 'unused',
    LEGACY_PREFIX: options.prefix, LEGACY_SOURCES: '', LEGACY_BROKER_URL: options.brokerUrl,
    POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false', POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
}

/** Five changes of each of `count` entities of a tenant: created, three updates, deleted. */
export function entityLifecycles(tenant: string, count: number): EntityEvent[] {
  return Array.from({ length: count }, (_, n) => {
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

/**
 * Delivers the events to the handler as the bus's SQS queue would: shuffled (the bus does not
 * order), every ninth twice, in batches of 10, a failed message back at the end of the queue until
 * its tenth receive (then dead-lettered). `beforeRound` may break or mend the broker. Resolves
 * with the dead letters and the failures of each round.
 */
export async function deliverLikeSqs(handler: OutboundHandler, events: readonly EntityEvent[], beforeRound: (round: number) => Promise<void> | void = () => undefined) {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pending = [...events, ...events.filter((_, i) => i % 9 === 0)].map((event) => ({ event, id: randomUUID(), receives: 0 })).sort(() => random() - 0.5);
  const deadLetters: EntityEvent[] = [];
  const failures: number[] = [];
  for (let round = 0; pending.length > 0 && round < 60; round++) {
    await beforeRound(round);
    const batch = pending.splice(0, 10);
    for (const item of batch) item.receives += 1;
    const result = await handler(
      {
        Records: batch.map((item) => ({
          messageId: item.id, receiptHandle: item.id, body: JSON.stringify({ source: ENTITY_EVENT_SOURCE, 'detail-type': item.event.type, detail: item.event }),
          attributes: { ApproximateReceiveCount: String(item.receives) }, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:local:0:q', awsRegion: 'local',
        })) as SQSEvent['Records'],
      },
      outboundContext,
    );
    const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
    failures.push(failed.size);
    for (const item of batch.filter((i) => failed.has(i.id))) {
      if (item.receives >= 10) deadLetters.push(item.event);
      else pending.push(item);
    }
  }
  return { undelivered: pending.map((p) => p.event), deadLetters, failures };
}

/**
 * What a legacy subscriber received is every event once per event id (a redelivery may repeat
 * one: subscribers deduplicate by it), with its routing key and envelope, in order per entity.
 */
export function expectDeliveredInOrder(received: readonly { routingKey: string; messageId: string; event: EntityEvent }[], events: readonly EntityEvent[], tenant: string): void {
  const firsts = received.filter((r, i) => received.findIndex((o) => o.messageId === r.messageId) === i);
  expect(firsts.map((r) => r.messageId).sort()).toEqual(events.map((e) => e.eventId).sort());
  for (const r of firsts) {
    expect(r.event.eventId).toBe(r.messageId);
    expect(r.routingKey).toBe(`${tenant}.entity.${r.event.type.replace('Entity', '').toLowerCase()}`);
    expect(r.event).toEqual(events.find((e) => e.eventId === r.messageId));
  }
  for (const entityId of new Set(events.map((e) => e.entityId))) {
    expect(firsts.filter((r) => r.event.entityId === entityId).map((r) => r.event.version)).toEqual([1, 2, 3, 4, 5]);
  }
}
