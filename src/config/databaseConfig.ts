import * as z from 'zod/mini';
import { intSetting, nonEmpty, parseEnvironment } from './config.ts';

/**
 * PostgreSQL settings, parsed only by the functions that use the read model (the projector,
 * search, stats, migrate, reconcile), so no other function needs them:
 * - locally (and in tests) `DATABASE_URL` with plain credentials;
 * - in AWS the RDS Proxy endpoint, database and user, authenticated with an IAM auth token.
 */
const databaseConfigSchema = z
  .object({
    AWS_REGION: z.optional(nonEmpty),
    DATABASE_URL: z.optional(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/entities' })),
    DB_PROXY_ENDPOINT: z.optional(z.string().check(z.trim(), z.regex(/^[A-Za-z0-9.-]{1,253}$/, { error: 'must be a host name, e.g. entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com' }))),
    DB_NAME: z.optional(nonEmpty),
    DB_USER: z.optional(nonEmpty),
    DB_PORT: intSetting(1, 65535, 5432),
    /** Connections per container: a Lambda handles one event at a time. */
    DB_POOL_MAX: intSetting(1, 10, 2),
  })
  .check(
    z.superRefine((value, ctx) => {
      if (value.DATABASE_URL !== undefined) return;
      for (const key of ['DB_PROXY_ENDPOINT', 'DB_NAME', 'DB_USER', 'AWS_REGION'] as const) {
        if (value[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is required unless DATABASE_URL is set', input: value[key] });
      }
    }),
  );

export type DatabaseConfig = z.output<typeof databaseConfigSchema>;

/** How to reach PostgreSQL: a URL with plain credentials, or IAM authentication through RDS Proxy. */
export type DatabaseSettings =
  | { readonly kind: 'url'; readonly url: string; readonly poolMax: number }
  | { readonly kind: 'iam'; readonly host: string; readonly port: number; readonly database: string; readonly user: string; readonly region: string; readonly poolMax: number };

export function parseDatabaseConfig(env: Record<string, string | undefined>): DatabaseSettings {
  const c = parseEnvironment(databaseConfigSchema, env, 'database configuration');
  if (c.DATABASE_URL !== undefined) return { kind: 'url', url: c.DATABASE_URL, poolMax: c.DB_POOL_MAX };
  return { kind: 'iam', host: c.DB_PROXY_ENDPOINT!, port: c.DB_PORT, database: c.DB_NAME!, user: c.DB_USER!, region: c.AWS_REGION!, poolMax: c.DB_POOL_MAX };
}
