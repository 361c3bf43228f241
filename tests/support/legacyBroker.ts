import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Connection } from 'rabbitmq-client';
import { applyBrokerDefinitions, brokerDefinitions, definitionsDocument, type BrokerDefinitions } from '../../src/adapters/rabbitmq/brokerDefinitions.ts';
import type { LegacySource } from '../../src/domain/legacyInbound.ts';

/** The machine's RabbitMQ (`.ci/run` starts it); tests never restart it (other runs use it). */
export const LOCAL_BROKER_URL = process.env['LEGACY_BROKER_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The broker's own CLI (the machine's RabbitMQ has no management plugin; it is not enabled on a shared broker). */
function rabbitmqctl(input: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('rabbitmqctl', args, { timeout: 60_000 }, (error, _stdout, stderr) => (error ? reject(new Error(`rabbitmqctl ${args[0]}: ${stderr || error.message}`)) : resolve()));
    child.stdin?.end(input);
  });
}

/**
 * A broker namespace of the test's own: definitions under a random prefix, deleted again by
 * `dispose`. With `users`, the definitions' users and permissions are created too (random
 * passwords), from the same definitions document through `rabbitmqctl import_definitions`, and
 * `connectAs(user)` connects as one of them.
 */
export async function testBroker(sources: readonly LegacySource[], options: { url?: string; users?: boolean } = {}) {
  const url = options.url ?? LOCAL_BROKER_URL;
  const prefix = `legacy-test-${randomUUID().slice(0, 8)}`;
  const connection = new Connection({ url, connectionName: `test ${prefix}`, retryLow: 100, retryHigh: 1000 });
  connection.on('error', () => undefined); // reconnects by itself
  await connection.onConnect(10_000);
  const definitions: BrokerDefinitions = brokerDefinitions(prefix, sources);
  await applyBrokerDefinitions(connection, definitions);
  const passwords: Record<string, string> = Object.fromEntries(definitions.users.map((u) => [u.name, randomBytes(18).toString('base64url')]));
  if (options.users) {
    try {
      // From standard input: no file holds the passwords (and the broker's node could not read a private one).
      await rabbitmqctl(JSON.stringify(definitionsDocument(definitions, passwords)), 'import_definitions', '--format', 'json');
    } catch (error) {
      await deleteObjects(connection, definitions);
      throw error;
    }
  }
  const opened: Connection[] = [];
  return {
    prefix,
    connection,
    definitions,
    /**
     * A connection as one of the definitions' users, once the broker knows it (the import is
     * asynchronous). The connection is closed by `dispose`.
     */
    async connectAs(user: string): Promise<Connection> {
      const target = new URL(url);
      target.username = encodeURIComponent(user);
      target.password = encodeURIComponent(passwords[user]!);
      for (let attempt = 1; ; attempt++) {
        const as = new Connection({ url: target.toString(), connectionName: `test ${user}`, retryLow: 100, retryHigh: 1000 });
        as.on('error', () => undefined);
        try {
          await as.onConnect(5_000, true);
          opened.push(as);
          return as;
        } catch (error) {
          await as.close();
          if (attempt >= 40) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    },
    /** Every message waiting in a queue, taken off it (basic.get, acknowledged). */
    async drain(queue: string): Promise<{ body: Buffer; headers: Record<string, unknown>; routingKey: string; messageId: string | undefined }[]> {
      const out: { body: Buffer; headers: Record<string, unknown>; routingKey: string; messageId: string | undefined }[] = [];
      for (;;) {
        const message = await connection.basicGet({ queue, noAck: true });
        if (!message) return out;
        const body = Buffer.isBuffer(message.body) ? message.body : Buffer.from(typeof message.body === 'string' ? message.body : JSON.stringify(message.body));
        out.push({ body, headers: message.headers ?? {}, routingKey: message.routingKey, messageId: message.messageId });
      }
    },
    async dispose() {
      for (const as of opened) await as.close().catch(() => undefined);
      await deleteObjects(connection, definitions);
      if (options.users) await Promise.all(definitions.users.map((u) => rabbitmqctl('', 'delete_user', u.name).catch(() => undefined)));
    },
  };
}

async function deleteObjects(connection: Connection, definitions: BrokerDefinitions): Promise<void> {
  for (const q of definitions.queues) await connection.queueDelete({ queue: q.name }).catch(() => undefined);
  for (const e of definitions.exchanges) await connection.exchangeDelete({ exchange: e.name }).catch(() => undefined);
  await connection.close();
}
