/**
 * `npm run legacy -- <command>`: the legacy bridge from a shell (docs/legacy-bridge.md).
 *   publish <file.ndjson> --tenant <t> [--source <s>]   send each line as one message, as a monolith would
 *                                                       (to the source's inbound exchange, each confirmed)
 *   definitions [--sources t:s,...]                     print the broker definitions (RabbitMQ's definitions-file JSON:
 *                                                       exchanges, queues, bindings, users without passwords, permissions)
 *   apply [--sources t:s,...]                           declare the exchanges, queues and bindings over AMQP (a local
 *                                                       broker; users need the management API or rabbitmqctl: a deploy
 *                                                       applies everything through the LegacyBrokerDefinitions custom resource)
 * The broker: LEGACY_BROKER_URL (default amqp://guest:guest@127.0.0.1:5672; amqps://user:password@host:5671
 * for Amazon MQ); names under LEGACY_PREFIX (default legacy); sources default to LEGACY_SOURCES
 * (default platform:legacy, the local stage's).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Connection } from 'rabbitmq-client';
import { applyBrokerDefinitions, brokerDefinitions, brokerNames, definitionsDocument } from '../src/adapters/rabbitmq/brokerDefinitions.ts';
import { parseLegacySources } from '../src/config/legacyConfig.ts';
import { exitWithHelpIfAsked } from './lib/cli.ts';

const LEGACY_USAGE = 'usage: npm run legacy -- publish <file.ndjson> --tenant <t> [--source <s>] | definitions [--sources t:s,...] | apply [--sources t:s,...]\nLEGACY_BROKER_URL (default amqp://guest:guest@127.0.0.1:5672), LEGACY_PREFIX (default legacy), LEGACY_SOURCES.';
exitWithHelpIfAsked(LEGACY_USAGE);
const { positionals, values } = parseArgs({ allowPositionals: true, options: { tenant: { type: 'string' }, source: { type: 'string', default: 'legacy' }, sources: { type: 'string' } } });
const [command, file] = positionals;
const prefix = process.env['LEGACY_PREFIX'] ?? 'legacy';
const url = process.env['LEGACY_BROKER_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const sources = parseLegacySources(values.sources ?? process.env['LEGACY_SOURCES'] ?? 'platform:legacy');

async function connect(): Promise<Connection> {
  const connection = new Connection({ url, connectionName: 'npm run legacy', retryLow: 250, retryHigh: 2_000 });
  connection.on('error', () => undefined); // onConnect reports a broker that cannot be reached
  await connection.onConnect(5_000);
  return connection;
}

switch (command) {
  case 'definitions':
    console.log(JSON.stringify(definitionsDocument(brokerDefinitions(prefix, sources)), null, 2));
    break;
  case 'apply': {
    const connection = await connect();
    await applyBrokerDefinitions(connection, brokerDefinitions(prefix, sources));
    await connection.close();
    console.log(`declared the exchanges, queues and bindings of ${sources.map((s) => `${s.tenantId}:${s.source}`).join(', ')} under ${prefix}`);
    break;
  }
  case 'publish': {
    if (!file || !values.tenant) throw new Error('usage: npm run legacy -- publish <file.ndjson> --tenant <tenant> [--source <source>]');
    const source = { tenantId: values.tenant, source: values.source };
    const exchange = brokerNames(prefix).inbound(source);
    const connection = await connect();
    const publisher = connection.createPublisher({ confirm: true, maxAttempts: 3 });
    const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((line) => line.trim() !== '');
    for (const [index, line] of lines.entries()) {
      // Exactly the line's bytes (a content type other than plain application/json keeps the client from re-encoding it).
      await publisher.send({ exchange, routingKey: '', durable: true, contentType: 'application/json; charset=utf-8', messageId: `${file}:${index + 1}` }, Buffer.from(line, 'utf8'));
    }
    await publisher.close();
    await connection.close();
    console.log(`published ${lines.length} message(s) to ${exchange}, each confirmed by the broker`);
    break;
  }
  default:
    console.error(LEGACY_USAGE);
    process.exitCode = 2;
}
