import * as z from 'zod';

const nonEmpty = z.string().trim().min(1);

const configSchema = z
  .object({
    STAGE: nonEmpty,
    AWS_REGION: nonEmpty,
    ENTITIES_TABLE: nonEmpty,
    /** DynamoDB Local in the `local` stage and in tests; unset in AWS. */
    /** How long Idempotency-Key outcomes are kept (default 24 h). */
    IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(24 * 3600),
    DYNAMODB_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:8000' }).optional(),
    /** `local` only in the local stage, whose bundles alone contain the local issuer. */
    IDENTITY_PROVIDER: z.enum(['cognito', 'local']),
    /** Secrets Manager secret holding the user pool id, app client ids and the cursor signing key. */
    RUNTIME_SECRET_ID: nonEmpty.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.IDENTITY_PROVIDER === 'cognito' && value.RUNTIME_SECRET_ID === undefined) {
      ctx.addIssue({ code: 'custom', path: ['RUNTIME_SECRET_ID'], message: 'is required when IDENTITY_PROVIDER is cognito' });
    }
  });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses environment variables with `schema`, or throws a ConfigError naming every bad or missing
 * variable; every configuration section (functions, cache, database, worker) reads its own this way.
 */
export function parseEnvironment<S extends z.core.$ZodType>(schema: S, env: Record<string, string | undefined>, what = 'configuration'): z.output<S> {
  const result = z.safeParse(schema, env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`Invalid ${what}: ${problems.join('; ')}`);
}

/** Validates the environment once; a missing or bad setting fails the cold start with its name. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return parseEnvironment(configSchema, env);
}

let cached: Config | undefined;
export function config(): Config {
  // IDENTITY_PROVIDER is read by name: bundles for non-local stages replace it with a constant
  // (esbuild `define`), so the local issuer's code is dropped from them entirely.
  cached ??= parseConfig({ ...process.env, IDENTITY_PROVIDER: process.env.IDENTITY_PROVIDER });
  return cached;
}
