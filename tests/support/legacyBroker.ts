import { randomUUID } from 'node:crypto';
import { Connection } from 'rabbitmq-client';
import { applyBrokerDefinitions, brokerDefinitions, type BrokerDefinitions } from '../../src/adapters/rabbitmq/brokerDefinitions.ts';
import type { LegacySource } from '../../src/domain/legacyInbound.ts';

/** The machine's RabbitMQ (`.ci/run` starts it); tests never restart it (other runs use it). */
export const LOCAL_BROKER_URL = process.env['LEGACY_BROKER_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A broker namespace of the test's own: definitions under a random prefix, deleted again by `dispose`. */
export async function testBroker(sources: readonly LegacySource[], url = LOCAL_BROKER_URL) {
  const prefix = `legacy-test-${randomUUID().slice(0, 8)}`;
  const connection = new Connection({ url, connectionName: `test ${prefix}`, retryLow: 100, retryHigh: 1000 });
  connection.on('error', () => undefined); // reconnects by itself
  await connection.onConnect(10_000);
  const definitions: BrokerDefinitions = brokerDefinitions(prefix, sources);
  await applyBrokerDefinitions(connection, definitions);
  return {
    prefix,
    connection,
    definitions,
    /** Every message waiting in a queue, taken off it (basic.get, acknowledged). */
    async drain(queue: string): Promise<{ body: Buffer; headers: Record<string, unknown> }[]> {
      const out: { body: Buffer; headers: Record<string, unknown> }[] = [];
      for (;;) {
        const message = await connection.basicGet({ queue, noAck: true });
        if (!message) return out;
        out.push({ body: Buffer.isBuffer(message.body) ? message.body : Buffer.from(typeof message.body === 'string' ? message.body : JSON.stringify(message.body)), headers: message.headers ?? {} });
      }
    },
    async dispose() {
      for (const q of definitions.queues) await connection.queueDelete({ queue: q.name }).catch(() => undefined);
      for (const e of definitions.exchanges) await connection.exchangeDelete({ exchange: e.name }).catch(() => undefined);
      await connection.close();
    },
  };
}
