import * as z from 'zod/mini';
import '../domain/zodLocale.ts';

/** A non-blank setting, trimmed. */
export const nonEmpty = z.string().check(z.trim(), z.minLength(1));
/** An integer setting within bounds, with a default when unset. */
export const intSetting = (min: number, max: number, fallback: number) => z._default(z.coerce.number().check(z.int(), z.gte(min), z.lte(max)), fallback);
/** An optional setting for which an empty string (a stage param left empty) means unset. */
export const blankIsUnset = <T extends z.core.SomeType>(schema: T) => z.pipe(z.transform((value: unknown) => (value === '' ? undefined : value)), z.optional(schema));
/** Inside a superRefine: one `<key>: is required …` issue per setting of `keys` that is unset, so every missing one is named at once. */
export function requireSettings<T extends object>(ctx: z.core.$RefinementCtx<T>, keys: readonly (keyof T & string)[], why: string): void {
  for (const key of keys) {
    if (ctx.value[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `is required ${why}`, input: undefined });
  }
}

/** Idempotency-Key outcomes are kept this long (then the table's TTL removes them) unless IDEMPOTENCY_TTL_SECONDS says otherwise; the contract quotes it. */
export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

const requiredForCognito = ['RUNTIME_SECRET_ID', 'COGNITO_USER_POOL_ID', 'COGNITO_APP_CLIENT_ID'] as const;

const configSchema = z
  .object({
    STAGE: nonEmpty,
    AWS_REGION: nonEmpty,
    ENTITIES_TABLE: nonEmpty,
    /** How long Idempotency-Key outcomes are kept (default 24 h). */
    IDEMPOTENCY_TTL_SECONDS: intSetting(1, 7 * 24 * 3600, DEFAULT_IDEMPOTENCY_TTL_SECONDS),
    /** DynamoDB Local in the `local` stage and in tests; unset in AWS. */
    DYNAMODB_ENDPOINT: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:8000' })),
    /** `local` only in the local stage, whose bundles alone contain the local issuer. */
    IDENTITY_PROVIDER: z.enum(['cognito', 'local']),
    /** Secrets Manager secret holding the cursor signing key. */
    RUNTIME_SECRET_ID: z.optional(nonEmpty),
    /** The user pool and its app clients whose access tokens are trusted (the template's `!Ref`s). */
    COGNITO_USER_POOL_ID: z.optional(z.string().check(z.trim(), z.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id, e.g. eu-west-1_AbC123'))),
    COGNITO_APP_CLIENT_ID: z.optional(nonEmpty),
    COGNITO_SERVICE_CLIENT_ID: z.optional(nonEmpty),
  })
  .check(
    z.superRefine((value, ctx) => {
      if (value.IDENTITY_PROVIDER === 'cognito') requireSettings(ctx, requiredForCognito, 'when IDENTITY_PROVIDER is cognito');
    }),
  );

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
export function parseEnvironment<S extends z.core.$ZodType>(schema: S, env: Record<string, string | undefined>, what = 'configuration'): z.core.output<S> {
  const result = z.safeParse(schema, env);
  if (result.success) return result.data;
  throw new ConfigError(`Invalid ${what}: ${listIssues(result.error)}`);
}

/**
 * Parses a settings document read at run time (a secret's JSON, an SSM parameter's), or throws an
 * Error saying where it came from and every field that is wrong: `<source> is malformed: <field>: <why>; …`.
 */
export function parseSettingsDocument<S extends z.core.$ZodType>(schema: S, value: unknown, source: string): z.core.output<S> {
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  throw new Error(`${source} is malformed: ${listIssues(result.error)}`);
}

/** `field: message; field: message` — one entry per issue. */
function listIssues(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

/** Validates the environment once; a missing or bad setting fails the cold start with its name. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return parseEnvironment(configSchema, env);
}

let cached: Config | undefined;
export function readConfig(): Config {
  // IDENTITY_PROVIDER is read by name: bundles for non-local stages replace it with a constant
  // (esbuild `define`), so the local issuer's code is dropped from them entirely.
  cached ??= parseConfig({ ...process.env, IDENTITY_PROVIDER: process.env.IDENTITY_PROVIDER });
  return cached;
}
