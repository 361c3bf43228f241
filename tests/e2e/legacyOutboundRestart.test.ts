import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { brokerNames } from '../../src/adapters/rabbitmq/brokerDefinitions.ts';
import type { EntityEvent } from '../../src/domain/entityEvents.ts';
import { ensureTable } from '../../scripts/lib/localStack.ts';
import { testBroker } from '../support/legacyBroker.ts';
import { deliverLikeSqs, entityLifecycles, expectDeliveredInOrder, outboundEnvironment, type OutboundHandler } from '../support/legacyOutbound.ts';
import { privateBrokerAvailable, startPrivateBroker } from '../support/privateBroker.ts';

/**
 * The legacy bridge's outbound half across a real broker restart (issue 21): a RabbitMQ node of
 * this test's own (the machine's package, its own ports and data) is stopped while the publisher
 * function is delivering and started again later. The subscriber's durable queue holds what was
 * confirmed before the stop through the restart; what failed during it comes back from the SQS
 * queue and is published once the broker is back, in order per entity.
 */
const tenant = `acme-${randomUUID().slice(0, 6)}`;
const table = `legacy-restart-${randomUUID()}`;
let node: Awaited<ReturnType<typeof startPrivateBroker>>;
let broker: Awaited<ReturnType<typeof testBroker>>;
let handler: OutboundHandler;
let queue: string;

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  node = await startPrivateBroker();
  broker = await testBroker([], { url: node.url });
  // The legacy subscriber's own durable queue, bound to this tenant's entity events; it reads them at the end.
  queue = `${broker.prefix}.subscriber`;
  await broker.connection.queueDeclare({ queue, durable: true });
  await broker.connection.queueBind({ queue, exchange: brokerNames(broker.prefix).events, routingKey: `${tenant}.entity.*` });
  Object.assign(process.env, outboundEnvironment({ table, dynamoEndpoint: endpoint, issuerDir: inject('issuerDir'), prefix: broker.prefix, brokerUrl: node.url }));
  ({ handler } = await import('../../functions/legacy/publishLegacyEvents.ts'));
}, 180_000);

afterAll(async () => {
  await broker?.dispose();
  await node?.dispose();
}, 60_000);

describe.skipIf(!privateBrokerAvailable)('legacy bridge outbound across a broker restart (issue 21)', () => {
  it('every change arrives once per event id, in order per entity, when the broker stops mid-delivery and starts again', async () => {
    const all = entityLifecycles(tenant, 12);
    let waitingBeforeStop = 0;
    const { undelivered, deadLetters, failures } = await deliverLikeSqs(handler, all, async (round) => {
      if (round === 2) {
        waitingBeforeStop = (await broker.connection.queueDeclare({ queue, passive: true })).messageCount;
        await node.stop();
      }
      if (round === 4) await node.start();
    });
    expect(waitingBeforeStop).toBeGreaterThan(0); // confirmed messages were in the queue when the broker stopped
    expect(failures[2]! + failures[3]!).toBeGreaterThan(0); // publishes failed while it was down, and came back
    expect(undelivered).toEqual([]);
    expect(deadLetters).toEqual([]);
    // Read after the restart: what was confirmed before the stop is still there, and the rest followed.
    const received = (await broker.drain(queue)).map(({ body, headers, routingKey, messageId }) => {
      const event = JSON.parse(body.toString()) as EntityEvent;
      expect(headers['x-entity-id']).toBe(event.entityId);
      return { event, messageId: String(messageId), routingKey };
    });
    expectDeliveredInOrder(received, all, tenant);
  }, 300_000);
});
