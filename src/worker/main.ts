import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { composeWorker } from '../composition/worker.ts';
import { ConfigError } from '../config/config.ts';
import { readWorkerConfig } from '../config/workerConfig.ts';
import { TENANT_ID_PATTERN } from '../domain/principal.ts';
import '../domain/zodLocale.ts';
import { isJobKind, type JobKind, type JobParams } from '../domain/jobRecord.ts';
import { defaultRejectsUri, JOB_ID_PATTERN, parseS3Uri } from '../domain/jobRequest.ts';
import { JobStatusReporter } from './jobStatus.ts';
import { runExport } from './exportJob.ts';
import { DEFAULT_IMPORT_CONCURRENCY, LOCAL_IMPORT_CONCURRENCY, runImport } from './importJob.ts';
import { describeSummary, type JobSummary } from './jobSummary.ts';
import { consoleProgress } from './progress.ts';
import { ALL_TENANTS, runRebuild } from './rebuildJob.ts';
import { formatOf } from './records.ts';

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

class UsageError extends Error {}

export const EXIT = { completed: 0, failed: 1, usage: 2, interrupted: 75 } as const;

export async function main(argv: readonly string[]): Promise<number> {
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
    const config = readWorkerConfig();
    const jobId = values.job ?? config.jobId ?? randomUUID();
    if (!JOB_ID_PATTERN.test(jobId)) throw new UsageError('--job must be 1–128 letters, digits, ".", "_" or "-"');
    const tenantId = values['all-tenants'] ? ALL_TENANTS : values.tenant;
    if (tenantId === undefined) throw new UsageError('--tenant is required');
    if (tenantId !== ALL_TENANTS && !TENANT_ID_PATTERN.test(tenantId)) throw new UsageError('--tenant must be 1–64 letters, digits, "_" or "-"');
    if (tenantId === ALL_TENANTS && job !== 'rebuild-read-model') throw new UsageError('--all-tenants is for rebuild-read-model only');
    const worker = composeWorker(config);
    const { files } = worker;
    const clock = { now: () => new Date() };
    const progress = consoleProgress(`${job} ${jobId}`);
    const common = { jobId, signal: controller.signal, progress };
    if (!isJobKind(job)) throw new UsageError(`unknown job "${job}"`);
    const params = jobParams(job, tenantId, jobId, values);
    status = new JobStatusReporter({ records: worker.records, jobId, seed: { kind: job, tenantId, params, requestedBy: config.requestedBy ?? requester(), ...(params.rejects && { rejects: params.rejects }) } });
    const checkpoints = status.reporting(worker.checkpoints);
    process.stderr.write(`${job}: job ${jobId}, tenant ${tenantId}, table ${config.tableName}\n`);
    await status.started();

    let summary: JobSummary;
    switch (job) {
      case 'import': {
        summary = await runImport(
          { repository: worker.entityRepository(jobId), files, checkpoints, clock },
          { ...common, tenantId, file: params.source!, format: params.format!, rejectsFile: params.rejects!, concurrency: positiveInt(values.concurrency, '--concurrency', config.endpoint ? LOCAL_IMPORT_CONCURRENCY : DEFAULT_IMPORT_CONCURRENCY) },
        );
        break;
      }
      case 'export':
        summary = await runExport({ pages: worker.pages, files, checkpoints, clock }, { ...common, tenantId, file: params.destination! });
        break;
      case 'rebuild-read-model': {
        const readModel = await worker.openReadModel();
        try {
          summary = await runRebuild(
            { pages: worker.pages, projector: readModel.projector, checkpoints, clock },
            { ...common, tenantId, segments: positiveInt(values.segments, '--segments', 4) },
          );
        } finally {
          await readModel.close();
        }
        break;
      }
    }
    await status.ended(summary);
    worker.close();
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
