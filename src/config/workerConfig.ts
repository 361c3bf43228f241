import * as z from 'zod/mini';
import { JOB_ID_PATTERN } from '../domain/jobRequest.ts';
import { ConfigError, nonEmpty, parseEnvironment } from './config.ts';
import { parseDatabaseConfig, type DatabaseSettings } from './databaseConfig.ts';

/** The local stack's table and DynamoDB Local port (`npm start`); ECS sets STAGE and ENTITIES_TABLE. */
const LOCAL_DEFAULTS = { ENTITIES_TABLE: 'entity-platform-local-entities', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' };

/** The worker's settings (docs/worker.md): its table, endpoints, the KMS key of S3 outputs, the job it runs. */
const workerConfigSchema = z.object({
  STAGE: z._default(nonEmpty, 'local'),
  AWS_REGION: z._default(nonEmpty, 'eu-west-1'),
  ENTITIES_TABLE: z.optional(nonEmpty),
  DYNAMODB_ENDPOINT: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:8000' })),
  S3_ENDPOINT: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:4569' })),
  JOBS_KMS_KEY_ID: z.optional(nonEmpty),
  JOB_ID: z.optional(z.string().check(z.regex(JOB_ID_PATTERN, { error: 'must be 1–128 letters, digits, ".", "_" or "-"' }))),
  JOB_REQUESTED_BY: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
});

export interface WorkerConfig {
  readonly region: string;
  readonly tableName: string;
  readonly endpoint: string | undefined;
  readonly s3Endpoint: string | undefined;
  readonly kmsKeyId: string | undefined;
  readonly jobId: string | undefined;
  readonly requestedBy: string | undefined;
}

export function parseWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const c = parseEnvironment(workerConfigSchema, env);
  const local = c.STAGE === 'local';
  const tableName = c.ENTITIES_TABLE ?? (local ? LOCAL_DEFAULTS.ENTITIES_TABLE : undefined);
  if (tableName === undefined) throw new ConfigError('Invalid configuration: ENTITIES_TABLE is required outside the local stage');
  if (!local) {
    // `npm run worker` reads the local stack's endpoints from .local/stack.env: never let them reach a deployed stage's data.
    for (const name of ['DYNAMODB_ENDPOINT', 'S3_ENDPOINT'] as const) {
      const value = c[name];
      if (value !== undefined && isLoopback(value)) throw new ConfigError(`Invalid configuration: ${name} (${value}) is this machine, in stage ${c.STAGE}: unset it (or set STAGE=local)`);
    }
  }
  return {
    region: c.AWS_REGION,
    tableName,
    endpoint: c.DYNAMODB_ENDPOINT ?? (local ? LOCAL_DEFAULTS.DYNAMODB_ENDPOINT : undefined),
    s3Endpoint: c.S3_ENDPOINT,
    kmsKeyId: c.JOBS_KMS_KEY_ID,
    jobId: c.JOB_ID,
    requestedBy: c.JOB_REQUESTED_BY,
  };
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/** The worker's settings from the environment, validated. */
export const readWorkerConfig = (): WorkerConfig => parseWorkerConfig(process.env);

/** rebuild-read-model's database: the read model's settings, with 4 connections unless DB_POOL_MAX says otherwise. */
export const readWorkerDatabaseConfig = (): DatabaseSettings => parseDatabaseConfig({ ...process.env, DB_POOL_MAX: process.env['DB_POOL_MAX'] ?? '4' });
