import { Connection } from 'rabbitmq-client';
import * as z from 'zod/mini';
import { parseSettingsDocument } from '../../config/config.ts';
import type { LegacyConfig } from '../../config/legacyConfig.ts';
import { logger } from '../../observability/logger.ts';
import { readJsonSecret } from '../aws/parameters.ts';

/** A broker user's secret (Amazon MQ's own shape, also what the event source mapping reads). */
const brokerSecretSchema = z.object({ username: z.string().check(z.minLength(1)), password: z.string().check(z.minLength(1)) });

/** The broker user a secret holds. */
export async function readBrokerUser(secretId: string, region: string): Promise<{ username: string; password: string }> {
  return parseSettingsDocument(brokerSecretSchema, await readJsonSecret(secretId, region), `Secret ${secretId}`);
}

/**
 * A connection to the broker over the maintained client (rabbitmq-client): it reconnects by
 * itself with jittered exponential backoff (retryLow → retryHigh) and re-declares what its
 * publishers and consumers declare. Locally LEGACY_BROKER_URL; in AWS the AMQPS endpoint with the
 * credentials from Secrets Manager (TLS, as Amazon MQ requires).
 */
export async function openBrokerConnection(config: LegacyConfig, region: string, name: string): Promise<Connection> {
  const options = { connectionName: name, connectionTimeout: 3_000, acquireTimeout: 2_000, heartbeat: 30, retryLow: 250, retryHigh: 2_000 };
  if (config.LEGACY_BROKER_URL !== undefined) return observed(new Connection({ ...options, url: config.LEGACY_BROKER_URL }));
  const secretId = config.LEGACY_BROKER_SECRET_ID!;
  const { username, password } = await readBrokerUser(secretId, region);
  // The client reads the credentials from the URL (and would override separate ones with its empty user part).
  const url = new URL(config.LEGACY_BROKER_ENDPOINT ?? `amqps://${config.LEGACY_BROKER_ID!}.mq.${region}.amazonaws.com:5671`);
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  return observed(new Connection({ ...options, url: url.toString() }));
}

/** A lost connection is logged (the client reconnects by itself); unobserved, the error would end the process. */
function observed(connection: Connection): Connection {
  connection.on('error', (error: unknown) => logger.warn('broker connection error; reconnecting', { error }));
  return connection;
}
