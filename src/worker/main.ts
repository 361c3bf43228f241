import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { createDocumentClient } from '../adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../adapters/dynamodb/DynamoEntityRepository.ts';
import { openPool } from '../adapters/postgres/pool.ts';
import { ConfigError, parseEnvironment } from '../config/config.ts';
import { parseDatabaseConfig } from '../config/databaseConfig.ts';
import { TENANT_ID_PATTERN } from '../domain/principal.ts';
import '../domain/zodLocale.ts';
import { isJobKind, type JobKind, type JobParams } from '../domain/jobRecord.ts';
import { defaultRejectsUri, JOB_ID_PATTERN, parseS3Uri } from '../domain/jobRequest.ts';
import { DynamoJobRecords } from '../adapters/dynamodb/DynamoJobRecords.ts';
import { createS3Client, S3ObjectStore } from '../adapters/s3/S3ObjectStore.ts';
import { DynamoCheckpointStore } from '../adapters/dynamodb/DynamoCheckpointStore.ts';
import { createJobFiles } from './jobFiles.ts';
import { JobStatusReporter } from './jobStatus.ts';
import { runExport } from './exportJob.ts';
import { DEFAULT_IMPORT_CONCURRENCY, LOCAL_IMPORT_CONCURRENCY, runImport } from './importJob.ts';
import { describeSummary, type JobSummary } from './jobSummary.ts';
import { consoleProgress } from './progress.ts';
import { ALL_TENANTS, runRebuild } from './rebuildJob.ts';
import { formatOf } from './records.ts';
import { DynamoEntityPages } from '../adapters/dynamodb/DynamoEntityPages.ts';

export const USAGE = `Usage: worker <job> [options]

Jobs:
  import              --tenant <id> --file <location> [--format ndjson|csv] [--rejects <location>] [--concurrency N]
  export              --tenant <id> --out <location>
  rebuild-read-model  --tenant <id> | --all-tenants [--segments 4]

--concurrency: batches of 50 records (one DynamoDB transaction each) written at the same time;
default 4, and 1 against DYNAMODB_ENDPOINT (DynamoDB Local writes one transaction at a time).
A location is a local path or s3://bucket/key. Rejects default to <file>.rejects.ndjson beside a
local input, and to s3://<bucket>/rejects/<tenant>/<job id>.ndjson for an S3 input.

Common options:
  --job <id>          the job id; run again with the same id to resume where it stopped (default: JOB_ID, else a new UUID)

Environment: ENTITIES_TABLE, AWS_REGION, DYNAMODB_ENDPOINT (DynamoDB Local), DATABASE_URL (rebuild-read-model),
S3_ENDPOINT (a local S3), JOBS_KMS_KEY_ID (the KMS key S3 outputs are encrypted with).
Exit codes: 0 completed, 1 failed, 2 usage or configuration error, 75 interrupted (rerun with the same --job).`;

/** The local stack's table and DynamoDB Local port (`npm start`); ECS sets STAGE and ENTITIES_TABLE. */
const LOCAL_DEFAULTS = { ENTITIES_TABLE: 'entity-platform-local-entities', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' };

const workerConfigSchema = z.object({
  STAGE: z._default(z.string().check(z.trim(), z.minLength(1)), 'local'),
  AWS_REGION: z._default(z.string().check(z.trim(), z.minLength(1)), 'eu-west-1'),
  ENTITIES_TABLE: z.optional(z.string().check(z.trim(), z.minLength(1))),
  DYNAMODB_ENDPOINT: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:8000' })),
  S3_ENDPOINT: z.optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:4569' })),
  JOBS_KMS_KEY_ID: z.optional(z.string().check(z.trim(), z.minLength(1))),
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

export function workerConfig(env: Record<string, string | undefined>): WorkerConfig {
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

class UsageError extends Error {}

export const EXIT = { completed: 0, failed: 1, usage: 2, interrupted: 75 } as const;

export async function main(argv: readonly string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        'all-tenants': { type: 'boolean' },
        file: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string' },
        rejects: { type: 'string' },
        job: { type: 'string' },
        concurrency: { type: 'string' },
        segments: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? EXIT.completed : EXIT.usage;
  }

  const controller = new AbortController();
  const stop = (signal: string) => {
    process.stderr.write(`\n${signal}: finishing the records in flight and writing a checkpoint…\n`);
    controller.abort();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  let status: JobStatusReporter | undefined;
  try {
    const job = positionals[0]!;
    const config = workerConfig(env);
    const jobId = values.job ?? config.jobId ?? randomUUID();
    if (!JOB_ID_PATTERN.test(jobId)) throw new UsageError('--job must be 1–128 letters, digits, ".", "_" or "-"');
    const tenantId = values['all-tenants'] ? ALL_TENANTS : values.tenant;
    if (tenantId === undefined) throw new UsageError('--tenant is required');
    if (tenantId !== ALL_TENANTS && !TENANT_ID_PATTERN.test(tenantId)) throw new UsageError('--tenant must be 1–64 letters, digits, "_" or "-"');
    if (tenantId === ALL_TENANTS && job !== 'rebuild-read-model') throw new UsageError('--all-tenants is for rebuild-read-model only');
    // On ECS the task role's credentials come from the container credentials endpoint: the SDK's
    // default provider chain finds them (and refreshes them before they expire).
    const client = createDocumentClient({ region: config.region, endpoint: config.endpoint });
    const files = createJobFiles({ s3: new S3ObjectStore(createS3Client({ region: config.region, endpoint: config.s3Endpoint })), kmsKeyId: config.kmsKeyId });
    const clock = { now: () => new Date() };
    const progress = consoleProgress(`${job} ${jobId}`);
    const common = { jobId, signal: controller.signal, progress };
    if (!isJobKind(job)) throw new UsageError(`unknown job "${job}"`);
    const params = jobParams(job, tenantId, jobId, values);
    const records = new DynamoJobRecords({ client, tableName: config.tableName });
    status = new JobStatusReporter({ records, jobId, seed: { kind: job, tenantId, params, requestedBy: config.requestedBy ?? requester(), ...(params.rejects && { rejects: params.rejects }) } });
    const checkpoints = status.reporting(new DynamoCheckpointStore({ client, tableName: config.tableName }));
    process.stderr.write(`${job}: job ${jobId}, tenant ${tenantId}, table ${config.tableName}\n`);
    await status.started();

    let summary: JobSummary;
    switch (job) {
      case 'import': {
        const repository = new DynamoEntityRepository({ client, tableName: config.tableName, cursorSigningKey: randomUUID(), correlationId: () => `job:${jobId}` });
        summary = await runImport(
          { repository, files, checkpoints, clock },
          { ...common, tenantId, file: params.source!, format: params.format!, rejectsFile: params.rejects!, concurrency: positiveInt(values.concurrency, '--concurrency', config.endpoint ? LOCAL_IMPORT_CONCURRENCY : DEFAULT_IMPORT_CONCURRENCY) },
        );
        break;
      }
      case 'export':
        summary = await runExport({ pages: new DynamoEntityPages({ client, tableName: config.tableName }), files, checkpoints, clock }, { ...common, tenantId, file: params.destination! });
        break;
      case 'rebuild-read-model': {
        const pool = await openPool(parseDatabaseConfig({ ...env, DB_POOL_MAX: env['DB_POOL_MAX'] ?? '4' }));
        try {
          summary = await runRebuild(
            { pages: new DynamoEntityPages({ client, tableName: config.tableName }), pool, checkpoints, clock },
            { ...common, tenantId, segments: positiveInt(values.segments, '--segments', 4) },
          );
        } finally {
          await pool.end();
        }
        break;
      }
    }
    await status.ended(summary);
    client.destroy();
    process.stdout.write(describeSummary(summary) + '\n');
    return summary.state === 'completed' ? EXIT.completed : summary.state === 'interrupted' ? EXIT.interrupted : EXIT.failed;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || (error instanceof Error && error.message.startsWith('--format'))) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`failed: ${(error as Error).stack ?? String(error)}\n`);
    // A failure the job did not checkpoint itself (a missing input, the database unreachable) still ends on its record.
    await status?.failed(error).catch(() => undefined);
    return EXIT.failed;
  }
}

/** The job's parameters from the command line: locations, format, the default rejects location. */
function jobParams(job: JobKind, tenantId: string, jobId: string, values: { file?: string | undefined; out?: string | undefined; rejects?: string | undefined; format?: string | undefined; segments?: string | undefined }): JobParams {
  if (job === 'import') {
    const source = required(values.file, '--file');
    const s3 = parseS3Uri(source);
    const rejects = values.rejects ?? (s3 ? defaultRejectsUri(s3.bucket, tenantId, jobId) : `${source}.rejects.ndjson`);
    return { source, rejects, format: formatOf(source, values.format) };
  }
  if (job === 'export') return { destination: required(values.out ?? values.file, '--out') };
  return values.segments ? { segments: Number(values.segments) } : {};
}

function requester(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`${flag} must be an integer from 1 to 256`);
  return n;
}

// Run when executed (node src/worker/main.ts, or the bundle), not when imported by a test.
const entry = process.argv[1] ?? '';
if (/[\\/]worker[\\/]main\.(ts|cjs|js)$/.test(entry) || /[\\/]main\.cjs$/.test(entry)) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
