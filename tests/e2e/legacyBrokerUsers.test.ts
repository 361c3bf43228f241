import { randomUUID } from 'node:crypto';
import type { Connection } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerNames } from '../../src/adapters/rabbitmq/brokerDefinitions.ts';
import { deliveriesOf, type RabbitMQEvent } from '../../src/adapters/rabbitmq/rmqEvent.ts';
import type { LegacySource } from '../../src/domain/legacyInbound.ts';
import { startLocalMq } from '../../scripts/lib/localMq.ts';
import { testBroker } from '../support/legacyBroker.ts';

/**
 * The broker users of the legacy bridge on the machine's RabbitMQ (issue 21): created from the
 * same definitions the deploy applies (per test run names, deleted at the end), each may do what
 * its role needs and the broker refuses the rest (ACCESS_REFUSED): a source's user publishes to
 * its own inbound exchange only, the mappings' user reads the inbound queues only, the consumer
 * function's user writes dead letters only, the outbound publisher's user writes events only.
 */
const a: LegacySource = { tenantId: `acme-${randomUUID().slice(0, 6)}`, source: 'erp' };
const b: LegacySource = { tenantId: `globex-${randomUUID().slice(0, 6)}`, source: 'crm' };
let broker: Awaited<ReturnType<typeof testBroker>>;
let names: ReturnType<typeof brokerNames>;

beforeAll(async () => {
  broker = await testBroker([a, b], { users: true });
  names = brokerNames(broker.prefix);
}, 120_000);

afterAll(async () => {
  await broker?.dispose();
}, 120_000);

/** One confirmed publish (a refused one rejects with the broker's error; no retries). */
async function publish(connection: Connection, exchange: string, body: string, routingKey = ''): Promise<void> {
  const publisher = connection.createPublisher({ confirm: true, maxAttempts: 1 });
  try {
    await publisher.send({ exchange, routingKey, durable: true, contentType: 'application/json; charset=utf-8' }, Buffer.from(body));
  } finally {
    await publisher.close();
  }
}

const refused = { code: 'ACCESS_REFUSED' };

describe('legacy bridge broker users (issue 21)', () => {
  it("a source's user publishes to its own inbound exchange, and the broker refuses it any other source's", async () => {
    const sourceA = await broker.connectAs(names.sourceUser(a));
    await publish(sourceA, names.inbound(a), '{"externalId":"A-1","version":1,"name":"mine"}');
    expect((await broker.drain(names.inbound(a))).map((m) => m.body.toString())).toEqual(['{"externalId":"A-1","version":1,"name":"mine"}']);

    await expect(publish(sourceA, names.inbound(b), '{"externalId":"B-1","version":1,"name":"not mine"}')).rejects.toMatchObject(refused);
    // Nor around its exchange: the default exchange straight into B's queue, the events, the dead letters.
    await expect(publish(sourceA, '', '{"externalId":"B-1","version":1,"name":"not mine"}', names.inbound(b))).rejects.toMatchObject(refused);
    await expect(publish(sourceA, names.events, '{}')).rejects.toMatchObject(refused);
    await expect(publish(sourceA, names.deadLetter, '{}', names.inbound(b))).rejects.toMatchObject(refused);
    // It reads nothing and declares nothing.
    await expect(sourceA.basicGet({ queue: names.inbound(a) })).rejects.toMatchObject(refused);
    await expect(sourceA.queueDeclare({ queue: `${broker.prefix}.inbound.${b.tenantId}.sneaky`, durable: true })).rejects.toMatchObject(refused);
    expect(await broker.drain(names.inbound(b))).toEqual([]);

    const sourceB = await broker.connectAs(names.sourceUser(b));
    await expect(publish(sourceB, names.inbound(a), '{"externalId":"A-1","version":2,"name":"not mine"}')).rejects.toMatchObject(refused);
    await publish(sourceB, names.inbound(b), '{"externalId":"B-1","version":1,"name":"mine"}');
    expect(await broker.drain(names.inbound(b))).toHaveLength(1);
  });

  it("the mappings' user consumes every inbound queue (as the mapping's stand-in does) and may write nowhere", async () => {
    const admin = broker.connection;
    await publish(admin, names.inbound(a), '{"externalId":"A-2","version":1,"name":"one"}');
    await publish(admin, names.inbound(b), '{"externalId":"B-2","version":1,"name":"two"}');
    const consumer = await broker.connectAs(names.consumerUser);
    const events: RabbitMQEvent[] = [];
    const mqs = [a, b].map((source) => startLocalMq({ connection: consumer, queue: names.inbound(source), batchSize: 10, batchWindowMs: 50, invoke: (event) => Promise.resolve(void events.push(event)) }));
    for (let i = 0; i < 200 && events.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const mq of mqs) await mq.stop();
    expect(events.flatMap((e) => deliveriesOf(e)).map((d) => [d.queue, d.body.toString()]).sort()).toEqual([
      [names.inbound(a), '{"externalId":"A-2","version":1,"name":"one"}'],
      [names.inbound(b), '{"externalId":"B-2","version":1,"name":"two"}'],
    ].sort());

    await expect(publish(consumer, names.inbound(a), '{}')).rejects.toMatchObject(refused);
    await expect(publish(consumer, names.deadLetter, '{}', names.inbound(a))).rejects.toMatchObject(refused);
    await expect(consumer.basicGet({ queue: names.deadLetterQueue(a) })).rejects.toMatchObject(refused);
  });

  it("the consumer function's user writes dead letters, the publisher's user events, and nothing else", async () => {
    const deadLetters = await broker.connectAs(names.deadLetterUser);
    await publish(deadLetters, names.deadLetter, '{"bad":true}', names.inbound(a));
    expect(await broker.drain(names.deadLetterQueue(a))).toHaveLength(1);
    await expect(publish(deadLetters, names.inbound(a), '{}')).rejects.toMatchObject(refused);
    await expect(deadLetters.basicGet({ queue: names.deadLetterQueue(a) })).rejects.toMatchObject(refused);

    const publisher = await broker.connectAs(names.publisherUser);
    await publish(publisher, names.events, '{}', `${a.tenantId}.entity.created`);
    await expect(publish(publisher, names.inbound(a), '{}')).rejects.toMatchObject(refused);
    await expect(publisher.exchangeDeclare({ exchange: names.events, type: 'topic', durable: true })).rejects.toMatchObject(refused);
  });
});
