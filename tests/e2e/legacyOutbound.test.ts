import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { brokerNames } from '../../src/adapters/rabbitmq/brokerDefinitions.ts';
import type { EntityEvent } from '../../src/domain/entityEvents.ts';
import { ensureTable, freePort } from '../../scripts/lib/localStack.ts';
import { eventually } from '../support/eventually.ts';
import { testBroker } from '../support/legacyBroker.ts';
import { deliverLikeSqs, entityLifecycles, expectDeliveredInOrder, outboundEnvironment, type OutboundHandler } from '../support/legacyOutbound.ts';
import { tcpProxy } from '../support/tcpProxy.ts';

/**
 * The outbound half of the legacy bridge (issue 21): entity events as the bus's queue delivers
 * them (out of order, some twice) through the real publisher function into the local RabbitMQ,
 * read by a subscriber bound to `<tenant>.entity.*`. The function reaches the broker through a TCP
 * proxy that drops every connection and refuses new ones for a while (the machine's RabbitMQ is
 * shared with other runs); a real broker restart is legacyOutboundRestart.test.ts.
 */
const tenant = `acme-${randomUUID().slice(0, 6)}`;
const table = `legacy-outbound-${randomUUID()}`;
let broker: Awaited<ReturnType<typeof testBroker>>;
let proxy: Awaited<ReturnType<typeof tcpProxy>>;
let handler: OutboundHandler;
const received: { routingKey: string; messageId: string; event: EntityEvent }[] = [];
let subscriber: { close(): Promise<void> };

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  broker = await testBroker([]);
  proxy = await tcpProxy(5672);
  Object.assign(process.env, outboundEnvironment({ table, dynamoEndpoint: endpoint, issuerDir: inject('issuerDir'), prefix: broker.prefix, brokerUrl: `amqp://guest:guest@127.0.0.1:${proxy.port}` }));
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

describe('legacy bridge outbound to the local RabbitMQ (issue 21)', () => {
  it('every change arrives once per event id, in order per entity, across dropped and refused broker connections (a TCP proxy)', async () => {
    const all = entityLifecycles(tenant, 12);
    const { undelivered, deadLetters, failures } = await deliverLikeSqs(handler, all, async (round) => {
      if (round === 2) {
        proxy.retarget(await freePort()); // nothing listens there: the broker refuses connections
        proxy.drop(); // and every open one is cut
      }
      if (round === 4) proxy.retarget(5672);
    });
    expect(failures[2]! + failures[3]!).toBeGreaterThan(0); // the outage was real: publishes failed and came back
    expect(undelivered).toEqual([]);
    expect(deadLetters).toEqual([]);
    await eventually(() => Promise.resolve(new Set(received.map((r) => r.messageId)).size), (n) => n >= all.length, 30_000);
    expectDeliveredInOrder(received, all, tenant);
  }, 240_000);
});
