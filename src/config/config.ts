import { z } from 'zod';

const nonEmpty = z.string().trim().min(1);

const common = {
  STAGE: nonEmpty,
  AWS_REGION: nonEmpty,
  ENTITIES_TABLE: nonEmpty,
  /** DynamoDB Local in the `local` stage and in tests; unset in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
};

const configSchema = z.discriminatedUnion('IDENTITY_PROVIDER', [
  z.object({
    ...common,
    IDENTITY_PROVIDER: z.literal('cognito'),
    /** Secrets Manager secret holding the user pool id, app client ids and the cursor signing key. */
    RUNTIME_SECRET_ID: nonEmpty,
  }),
  z.object({
    ...common,
    IDENTITY_PROVIDER: z.literal('local'),
    /** Where `npm start` keeps the local issuer's keys (the `local` stage only). */
    LOCAL_ISSUER_DIR: nonEmpty,
    CURSOR_SIGNING_KEY: z.string().min(16),
  }),
]);

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once; a missing or bad setting fails the cold start with its name. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'IDENTITY_PROVIDER'}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

let cached: Config | undefined;
export function config(): Config {
  // IDENTITY_PROVIDER is read by name: bundles for non-local stages replace it with a constant
  // (esbuild `define`), so the local issuer's code is dropped from them entirely.
  cached ??= parseConfig({ ...process.env, IDENTITY_PROVIDER: process.env.IDENTITY_PROVIDER });
  return cached;
}
