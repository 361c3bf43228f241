import pg from 'pg';
import type { DatabaseSettings } from '../../config/databaseConfig.ts';
import { rdsAuthTokens } from '../aws/rdsAuthToken.ts';
import { readParameter } from '../aws/parameters.ts';
import { traced } from '../../observability/tracing.ts';

export type Pool = pg.Pool;

/**
 * One pool per container, sized for Lambda (one event at a time: 1–2 connections), created
 * outside the handler; connecting happens on first use. Against RDS Proxy every new connection
 * authenticates with a fresh IAM auth token (valid 15 minutes) over TLS.
 */
export function createPool(settings: Exclude<DatabaseSettings, { kind: 'iam-parameter' }>): pg.Pool {
  const common = {
    max: settings.poolMax,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 5_000,
    // A query that runs away is cancelled server-side well before the function times out.
    statement_timeout: 8_000,
    application_name: 'entity-platform',
  };
  if (settings.kind === 'url') return traceQueries(new pg.Pool({ ...common, connectionString: settings.url }));
  const authToken = rdsAuthTokens({ hostname: settings.host, port: settings.port, username: settings.user, region: settings.region });
  return traceQueries(new pg.Pool({
    ...common,
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: authToken,
    // RDS Proxy presents an Amazon-issued certificate that Node's default CA bundle trusts.
    ssl: { rejectUnauthorized: true },
  }));
}

/** Every `pool.query(...)` (the promise form the adapters use) in a `PostgreSQL` subsegment when traced. */
function traceQueries(pool: pg.Pool): pg.Pool {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => (typeof args.at(-1) === 'function' ? query(...args) : traced('PostgreSQL', () => query(...args) as Promise<unknown>))) as typeof pool.query;
  return pool;
}

/**
 * The pool for `settings`, reading the RDS Proxy's endpoint from its SSM parameter first when the
 * stage did not set it (the proxy's host name is generated: the infrastructure publishes it).
 */
export async function openPool(settings: DatabaseSettings): Promise<pg.Pool> {
  if (settings.kind !== 'iam-parameter') return createPool(settings);
  const { hostParameter, ...iam } = settings;
  const host = await readParameter(hostParameter, settings.region);
  if (!host) throw new Error(`SSM parameter ${hostParameter} holds no RDS Proxy endpoint`);
  return createPool({ ...iam, kind: 'iam', host });
}
