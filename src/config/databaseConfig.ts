import * as z from 'zod';
import { parseEnvironment } from './config.ts';

const nonEmpty = z.string().trim().min(1);

/**
 * PostgreSQL settings, parsed only by the functions that use the read model (the projector,
 * search, stats, migrate, reconcile), so no other function needs them:
 * - locally (and in tests) `DATABASE_URL` with plain credentials;
 * - in AWS the RDS Proxy endpoint, database and user, authenticated with an IAM auth token.
 */
const databaseConfigSchema = z
  .object({
    AWS_REGION: nonEmpty.optional(),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/entities' }).optional(),
    DB_PROXY_ENDPOINT: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.-]{1,253}$/, { error: 'must be a host name, e.g. entity-platform-dev.proxy-abc123.eu-west-1.rds.amazonaws.com' })
      .optional(),
    DB_NAME: nonEmpty.optional(),
    DB_USER: nonEmpty.optional(),
    DB_PORT: z.coerce.number().int().min(1).max(65535).default(5432),
    /** Connections per container: a Lambda handles one event at a time. */
    DB_POOL_MAX: z.coerce.number().int().min(1).max(10).default(2),
  })
  .superRefine((value, ctx) => {
    if (value.DATABASE_URL !== undefined) return;
    for (const key of ['DB_PROXY_ENDPOINT', 'DB_NAME', 'DB_USER', 'AWS_REGION'] as const) {
      if (value[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is required unless DATABASE_URL is set' });
    }
  });

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
