import { randomUUID } from 'node:crypto';
import { Connection } from 'rabbitmq-client';
import { createDocumentClient } from '../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../src/adapters/dynamodb/DynamoEntityRepository.ts';
import { DynamoExternalIdMappings } from '../src/adapters/dynamodb/DynamoExternalIdMappings.ts';
import { applyBrokerDefinitions, brokerDefinitions, brokerNames } from '../src/adapters/rabbitmq/brokerDefinitions.ts';
import { deliveriesOf } from '../src/adapters/rabbitmq/rmqEvent.ts';
import { EntityService } from '../src/domain/entityService.ts';
import { applyLegacyBatch } from '../src/domain/legacyBatch.ts';
import { LegacyInbound } from '../src/domain/legacyInbound.ts';
import { SCOPES } from '../src/domain/principal.ts';
import { ensureTable } from '../scripts/lib/localStack.ts';
import { startLocalMq } from '../scripts/lib/localMq.ts';

/**
 * The legacy bridge's inbound rate (issue 21, item 5), end to end against the machine's RabbitMQ
 * and DynamoDB Local: `messages` upserts published to a source's exchange, consumed by the local
 * stand-in of the Amazon MQ event source mapping (batches of 100, one invocation at a time, as the
 * mapping runs for RabbitMQ) into the consumer's code (applyLegacyBatch: parse, mapping read,
 * entity create through the service, mapping write), from the first publish until the last is
 * applied. Beside it, in the same run and table, the API's create path: the entity service's
 * create (validation aside), 16 at a time, the same number of entities.
 */
export interface LegacyBenchResult {
  readonly messages: number;
  readonly inboundMessagesPerSecond: number;
  readonly apiCreatesPerSecond: number;
}

export async function measureLegacy(options: { endpoint: string; messages: number; brokerUrl?: string }): Promise<LegacyBenchResult> {
  const table = `bench-legacy-${randomUUID()}`;
  await ensureTable(options.endpoint, table);
  const client = createDocumentClient({ region: 'eu-west-1', endpoint: options.endpoint });
  const repository = new DynamoEntityRepository({ client, tableName: table, cursorSigningKey: 'bench-only-cursor-signing-key' });

  // The API's create path, the reference.
  const service = new EntityService({ repository, clock: { now: () => new Date() }, ids: { newId: randomUUID } });
  const principal = { subject: 'bench', tenantId: 'bench-api', scopes: new Set([SCOPES.write]), groups: new Set<string>() };
  let next = 0;
  const apiStarted = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let i = next++; i < options.messages; i = next++) await service.create(principal, { name: `API item ${i}`, attributes: { i }, visibility: 'private' });
  }));
  const apiSeconds = (performance.now() - apiStarted) / 1000;

  // The bridge, end to end.
  const source = { tenantId: 'bench-legacy', source: 'erp' };
  const prefix = `legacy-bench-${randomUUID().slice(0, 8)}`;
  const connection = new Connection({ url: options.brokerUrl ?? 'amqp://guest:guest@127.0.0.1:5672', connectionName: 'npm run bench', retryLow: 250, retryHigh: 2_000 });
  connection.on('error', () => undefined);
  await connection.onConnect(5_000);
  const definitions = brokerDefinitions(prefix, [source]);
  await applyBrokerDefinitions(connection, definitions);
  const inbound = new LegacyInbound({ repository, mappings: new DynamoExternalIdMappings({ client, tableName: table }), clock: { now: () => new Date() } });
  let applied = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const mq = startLocalMq({
    connection, queue: brokerNames(prefix).inbound(source), batchSize: 100, batchWindowMs: 500,
    invoke: async (event) => {
      const counts = await applyLegacyBatch({ inbound, deadLetters: { send: () => Promise.resolve() }, sourceOf: () => source }, deliveriesOf(event));
      applied += Object.values(counts).reduce((a, b) => a + b, 0);
      if (applied >= options.messages) done();
    },
  });
  try {
    const publisher = connection.createPublisher({ confirm: true });
    const started = performance.now();
    for (let i = 0; i < options.messages; i++) {
      await publisher.send({ exchange: brokerNames(prefix).inbound(source), routingKey: '', durable: true, contentType: 'application/json; charset=utf-8' }, Buffer.from(JSON.stringify({ externalId: `X-${i}`, version: 1, name: `Legacy item ${i}`, attributes: { i } })));
    }
    await finished;
    const seconds = (performance.now() - started) / 1000;
    await publisher.close();
    return { messages: options.messages, inboundMessagesPerSecond: options.messages / seconds, apiCreatesPerSecond: options.messages / apiSeconds };
  } finally {
    await mq.stop();
    for (const q of definitions.queues) await connection.queueDelete({ queue: q.name }).catch(() => undefined);
    for (const e of definitions.exchanges) await connection.exchangeDelete({ exchange: e.name }).catch(() => undefined);
    await connection.close();
    client.destroy();
  }
}
