import * as z from 'zod/mini';
import { blankIsUnset, intSetting, nonEmpty, parseEnvironment, requireSettings } from './config.ts';

/**
 * PostgreSQL settings, parsed only by the functions that use the read model (the projector,
 * search, stats, migrate, reconcile), so no other function needs them:
 * - locally (and in tests) `DATABASE_URL` with plain credentials; `DB_USER`, when set, replaces the
 *   URL's user (each function connects as the role of its purpose, as in AWS);
 * - in AWS the RDS Proxy endpoint, database and user, authenticated with an IAM auth token.
 */
const databaseConfigSchema = z
  .object({
    AWS_REGION: z.optional(nonEmpty),
    DATABASE_URL: z.optional(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/entities' })),
    /** The RDS Proxy endpoint, when a stage sets it (params.dbProxyEndpoint); empty means unset. */
    DB_PROXY_ENDPOINT: blankIsUnset(z.string().check(z.trim(), z.regex(/^[A-Za-z0-9.-]{1,253}$/, { error: 'must be a host name, e.g. entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com' }))),
    /** Otherwise the SSM parameter the infrastructure publishes with the proxy's generated endpoint, read on the first connection. */
    DB_PROXY_ENDPOINT_PARAMETER: blankIsUnset(z.string().check(z.startsWith('/', { error: 'must be an SSM parameter name, e.g. /entity-platform/dev/database/proxy-endpoint' }))),
    DB_NAME: z.optional(nonEmpty),
    DB_USER: z.optional(nonEmpty),
    DB_PORT: intSetting(1, 65535, 5432),
    /** Connections per container: a Lambda handles one event at a time. */
    DB_POOL_MAX: intSetting(1, 10, 2),
  })
  .check(
    z.superRefine((value, ctx) => {
      if (value.DATABASE_URL !== undefined) return;
      if (value.DB_PROXY_ENDPOINT === undefined && value.DB_PROXY_ENDPOINT_PARAMETER === undefined) {
        ctx.addIssue({ code: 'custom', path: ['DB_PROXY_ENDPOINT'], message: 'is required unless DATABASE_URL or DB_PROXY_ENDPOINT_PARAMETER is set', input: undefined });
      }
      requireSettings(ctx, ['DB_NAME', 'DB_USER', 'AWS_REGION'], 'unless DATABASE_URL is set');
    }),
  );

/** IAM authentication through RDS Proxy: where, as whom. */
interface IamSettings {
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly region: string;
  readonly poolMax: number;
}

/**
 * How to reach PostgreSQL: a URL with plain credentials, or IAM authentication through RDS Proxy
 * at a known host, or at the host an SSM parameter names (resolved by `openPool`).
 */
export type DatabaseSettings =
  | { readonly kind: 'url'; readonly url: string; readonly poolMax: number }
  | (IamSettings & { readonly kind: 'iam'; readonly host: string })
  | (IamSettings & { readonly kind: 'iam-parameter'; readonly hostParameter: string });

export function parseDatabaseConfig(env: Record<string, string | undefined>): DatabaseSettings {
  const c = parseEnvironment(databaseConfigSchema, env, 'database configuration');
  if (c.DATABASE_URL !== undefined) return { kind: 'url', url: c.DB_USER === undefined ? c.DATABASE_URL : asUser(c.DATABASE_URL, c.DB_USER), poolMax: c.DB_POOL_MAX };
  const iam = { port: c.DB_PORT, database: c.DB_NAME!, user: c.DB_USER!, region: c.AWS_REGION!, poolMax: c.DB_POOL_MAX };
  if (c.DB_PROXY_ENDPOINT !== undefined) return { kind: 'iam', host: c.DB_PROXY_ENDPOINT, ...iam };
  return { kind: 'iam-parameter', hostParameter: c.DB_PROXY_ENDPOINT_PARAMETER!, ...iam };
}

/** The read model's database settings from the environment, validated (the functions' pool). */
export const readDatabaseConfig = (): DatabaseSettings => parseDatabaseConfig(process.env);

/** The URL with `user` in place of its user (and without its password: the roles have none). */
function asUser(url: string, user: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = '';
  return parsed.toString();
}
