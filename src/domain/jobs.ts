import * as z from 'zod/mini';
import './zodLocale.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldIssue } from './errors.ts';
import { parseInput } from './parseInput.ts';
import type { JobKind, JobParams, JobRecord, JobState } from './jobRecord.ts';
import type { Clock, IdGenerator, JobLauncher, JobRecords, JobSlots, S3Location } from './ports.ts';
import { isAdmin, requireScope, SCOPES, TENANT_ID_PATTERN, type Principal } from './principal.ts';

/**
 * Bulk jobs (import, export, read-model rebuild) run by the worker on ECS Fargate. A job is asked
 * for by an admin of a tenant (POST /api/v1/secure/jobs) or by an operator (the startJob
 * function); it is recorded (QUEUED), its task is started, and the worker keeps the record up to
 * date until it ends. Its files live in the stage's jobs bucket, under the tenant's own prefixes.
 */

/** A rebuild of every tenant's read model (operators only). */
export const ALL_TENANTS = '*';
export const JOB_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/** Job records are kept this long after their last change (the table's TTL). */
export const JOB_RETENTION_SECONDS = 30 * 24 * 3600;

/** Where each kind's files go in the jobs bucket: `<prefix>/<tenant>/…` (the bucket's lifecycle rules expire exports and rejects). */
export const JOB_PREFIXES = { imports: 'imports', exports: 'exports', rejects: 'rejects' } as const;
/** Where an import from S3 puts its rejected lines when it names no place (the API and the worker's command line agree). */
export const defaultRejectsUri = (bucket: string, tenantId: string, jobId: string): string => `s3://${bucket}/${JOB_PREFIXES.rejects}/${tenantId}/${jobId}.ndjson`;
/** Where an export goes when it names no place. */
export const defaultExportUri = (bucket: string, tenantId: string, jobId: string): string => `s3://${bucket}/${JOB_PREFIXES.exports}/${tenantId}/${jobId}.ndjson`;

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
/** `s3://bucket/key` → its parts; anything else (a local path) → `undefined`. */
export function parseS3Uri(location: string): S3Location | undefined {
  const match = S3_URI.exec(location);
  return match ? { bucket: match[1]!, key: match[2]! } : undefined;
}

const CONTROL_CHARS = /\p{Cc}/u;
/** An S3 object URI in the jobs bucket, described for where it is used (zod/mini: `register` names this very schema, so one per use). */
const s3Uri = (description?: string) =>
  z
    .string({ error: 'must be an s3:// URI' })
    .check(
      z.maxLength(1100),
      z.refine((s) => parseS3Uri(s) !== undefined && !CONTROL_CHARS.test(s) && !s.includes('/../') && !s.endsWith('/'), { error: 'must be an S3 object URI, s3://<bucket>/<key>' }),
    )
    .register(z.globalRegistry, { examples: ['s3://entity-platform-dev-jobs-1a2b3c/imports/acme/catalogue.ndjson'], ...(description !== undefined && { description }) });
const boundedInt = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));

const common = {
  spot: z._default(z.boolean(), true).register(z.globalRegistry, { description: 'Run on Fargate Spot (falling back to on-demand Fargate when Spot has no capacity); false: on-demand only.' }),
};
const importJob = z.strictObject({
  kind: z.literal('import'),
  source: s3Uri(`The NDJSON or CSV file: in the jobs bucket, under \`${JOB_PREFIXES.imports}/<your tenant>/\`.`),
  format: z.optional(z.enum(['ndjson', 'csv'])).register(z.globalRegistry, { description: 'Default: by the extension (`.csv` is CSV, anything else NDJSON).' }),
  rejects: z.optional(s3Uri()).register(z.globalRegistry, { description: `Where the rejected lines go: in the jobs bucket, under \`${JOB_PREFIXES.rejects}/<your tenant>/\`. Default: \`${JOB_PREFIXES.rejects}/<your tenant>/<job id>.ndjson\`.` }),
  concurrency: z.optional(boundedInt(1, 64)).register(z.globalRegistry, { description: 'Batches of up to 50 records written at the same time, each one DynamoDB transaction (default 4; 1 on the local stack, whose DynamoDB Local applies one write at a time).' }),
  ...common,
});
const exportJob = z.strictObject({
  kind: z.literal('export'),
  destination: z.optional(s3Uri(`Where the NDJSON goes: in the jobs bucket, under \`${JOB_PREFIXES.exports}/<your tenant>/\`. Default: \`${JOB_PREFIXES.exports}/<your tenant>/<job id>.ndjson\`.`)),
  ...common,
});
const rebuildJob = z.strictObject({
  kind: z.literal('rebuild-read-model'),
  segments: z.optional(boundedInt(1, 64)).register(z.globalRegistry, { description: 'Parallel scan segments (all-tenant rebuilds only; default 4).' }),
  ...common,
});

/** What an admin asks for (POST /api/v1/secure/jobs): always for the admin's own tenant. */
export const jobRequestSchema = z
  .discriminatedUnion('kind', [importJob, exportJob, rebuildJob], { error: 'kind must be "import", "export" or "rebuild-read-model"' })
  .register(z.globalRegistry, { id: 'JobRequest', description: 'A job to run on the worker for your tenant.' });
export type JobRequest = z.output<typeof jobRequestSchema>;

/** What an operator asks for (`sls invoke -f startJob`): a tenant, or every tenant for a rebuild; or an earlier job to resume. */
const operator = {
  tenantId: z.union([z.string().check(z.regex(TENANT_ID_PATTERN, { error: 'tenantId must be 1–64 letters, digits, "_" or "-", or "*" (every tenant, rebuild only)' })), z.literal(ALL_TENANTS)]),
  requestedBy: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
};
const operatorJobRequestSchema = z.union([
  z.strictObject({ resume: z.string().check(z.regex(JOB_ID_PATTERN, { error: 'resume must be a job id' })), spot: z.optional(z.boolean()), requestedBy: operator.requestedBy }),
  z.discriminatedUnion('kind', [z.extend(importJob, operator), z.extend(exportJob, operator), z.extend(rebuildJob, operator)], { error: 'kind must be "import", "export" or "rebuild-read-model"' }),
]);

export const jobPathSchema = z.object({
  id: z.string().check(z.regex(JOB_ID_PATTERN, { error: 'must be a job id: 1–128 letters, digits, ".", "_" or "-"' })).register(z.globalRegistry, { description: 'The job id.', examples: ['6f1d4c3e-2b7a-4e55-9c0d-7a1b2c3d4e5f'] }),
});

export interface Requester {
  /** Who asked, as recorded. */
  readonly id: string;
  readonly tenantId: string;
}

/**
 * The scope each kind of job needs on top of the `admin` group: an export reads the tenant's
 * entities, an import and a rebuild write (entities, or the read model).
 */
export const JOB_SCOPES: Readonly<Record<JobKind, string>> = { 'export': SCOPES.read, 'import': SCOPES.write, 'rebuild-read-model': SCOPES.write };

/**
 * An admin of a tenant (the `admin` group) may start and read that tenant's jobs, never another's,
 * and only with the scope the job needs (`JOB_SCOPES`; reading a job's status needs
 * `entities/read`; without `scope`, the group alone is checked): a token issued for other purposes (`openid email`, the Cognito user-admin
 * scope) does nothing here that it may not do on the entity routes.
 */
export function adminRequester(principal: Principal | undefined, scope?: string): Requester {
  if (!principal || !isAdmin(principal)) throw new ForbiddenError('Jobs are for administrators: the access token must be in the "admin" group.');
  if (scope !== undefined) requireScope(principal, scope);
  return { id: `user:${principal.subject}`, tenantId: principal.tenantId };
}

/** The worker's command line for a job (the container's command). */
export function workerCommand(job: Pick<JobRecord, 'jobId' | 'kind' | 'tenantId' | 'params'>): string[] {
  const tenant = job.tenantId === ALL_TENANTS ? ['--all-tenants'] : ['--tenant', job.tenantId];
  const p = job.params;
  const options: string[] = [];
  if (job.kind === 'import') {
    options.push('--file', p.source!, '--rejects', p.rejects!);
    if (p.format) options.push('--format', p.format);
    if (p.concurrency) options.push('--concurrency', String(p.concurrency));
  } else if (job.kind === 'export') options.push('--out', p.destination!);
  else if (p.segments) options.push('--segments', String(p.segments));
  return [job.kind, ...tenant, ...options, '--job', job.jobId];
}

const RESUMABLE: readonly JobState[] = ['INTERRUPTED', 'FAILED'];
/** States in which a job holds one of its tenant's slots. */
const ACTIVE: readonly JobState[] = ['QUEUED', 'RUNNING'];
/** Jobs run at once per tenant unless the stage says otherwise (`jobsMaxActivePerTenant`). */
export const DEFAULT_MAX_ACTIVE_JOBS_PER_TENANT = 2;
/**
 * A QUEUED or RUNNING job whose record has not changed for this long (the worker writes it at
 * every checkpoint) is taken for dead (a task killed without a last word) and frees its slot.
 */
export const JOB_SILENT_AFTER_MS = 60 * 60 * 1000;

export interface JobServiceDeps {
  readonly records: JobRecords;
  readonly launcher: JobLauncher;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The stage's jobs bucket: every location must be in it. */
  readonly jobsBucket: string;
  /** Who holds each tenant's job slots; without it, nothing limits the jobs per tenant. */
  readonly slots?: JobSlots;
  /** At most this many jobs of one tenant QUEUED or RUNNING at once; the next start is a 409 (default DEFAULT_MAX_ACTIVE_JOBS_PER_TENANT). */
  readonly maxActivePerTenant?: number;
}

export class JobService {
  private readonly deps: JobServiceDeps;

  constructor(deps: JobServiceDeps) {
    this.deps = deps;
  }

  /** Records the job (QUEUED), starts its task and records the task; a job whose task could not start is recorded FAILED and the error thrown. */
  async start(requester: Requester, request: JobRequest): Promise<JobRecord> {
    if (request.kind !== 'rebuild-read-model' && requester.tenantId === ALL_TENANTS) {
      throw new ValidationError('Only rebuild-read-model runs for every tenant; name a tenant.', [{ path: '/tenantId', message: 'name one tenant for an import or export' }]);
    }
    const jobId = this.deps.ids.newId();
    const params = this.paramsOf(requester.tenantId, jobId, request);
    await this.takeSlot(requester.tenantId, jobId);
    const now = this.deps.clock.now().toISOString();
    const record: JobRecord = {
      jobId,
      kind: request.kind,
      tenantId: requester.tenantId,
      state: 'QUEUED',
      params,
      requestedBy: requester.id,
      createdAt: now,
      updatedAt: now,
      ...(params.rejects && { rejects: params.rejects }),
      runs: 1,
    };
    await this.deps.records.create(record);
    return this.launch(record, request.spot);
  }

  /** Runs an interrupted or failed job's task again: the worker continues from its last checkpoint. */
  async resume(jobId: string, spot = true): Promise<JobRecord> {
    const record = await this.deps.records.get(jobId);
    if (!record) throw new NotFoundError(`No job ${jobId}.`);
    if (!RESUMABLE.includes(record.state)) throw new ValidationError(`Job ${jobId} is ${record.state}; only INTERRUPTED or FAILED jobs resume.`, [{ path: '/resume', message: `the job is ${record.state}` }]);
    await this.takeSlot(record.tenantId, jobId);
    const queued = { state: 'QUEUED' as const, runs: (record.runs ?? 0) + 1, updatedAt: this.deps.clock.now().toISOString() };
    await this.deps.records.update(jobId, queued);
    return this.launch({ ...record, ...queued }, spot);
  }

  /**
   * Takes one of the tenant's slots for `jobId`, or throws ConflictError (409) when
   * `maxActivePerTenant` jobs of the tenant are QUEUED or RUNNING. Slots of jobs that ended, or
   * fell silent (JOB_SILENT_AFTER_MS), are freed on the way; a concurrent start makes it look again.
   * Every-tenant rebuilds (operators only) take no slot.
   */
  private async takeSlot(tenantId: string, jobId: string): Promise<void> {
    const slots = this.deps.slots;
    if (!slots || tenantId === ALL_TENANTS) return;
    const max = this.deps.maxActivePerTenant ?? DEFAULT_MAX_ACTIVE_JOBS_PER_TENANT;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const { jobIds, version } = await slots.read(tenantId);
      const records = await Promise.all(jobIds.filter((id) => id !== jobId).map((id) => this.deps.records.get(id)));
      const silentSince = this.deps.clock.now().getTime() - JOB_SILENT_AFTER_MS;
      const active = records.filter((r): r is JobRecord => r !== undefined && ACTIVE.includes(r.state) && Date.parse(r.updatedAt) > silentSince).map((r) => r.jobId);
      if (active.length >= max) {
        throw new ConflictError(`At most ${max} jobs of a tenant run at once, and ${active.length} are queued or running (${active.join(', ')}); retry when one has finished (GET /api/v1/secure/jobs/{id}).`);
      }
      if (await slots.write(tenantId, [...active, jobId], version)) return;
    }
    throw new ConflictError('Other jobs of your tenant are being started at this moment; retry shortly.');
  }

  /**
   * Starts the task of the record's run, which is already recorded QUEUED, and records the task.
   * The state is never written after RunTask: the task may report RUNNING, even SUCCEEDED,
   * before RunTask answers (the local ECS stand-in starts the worker at once).
   */
  private async launch(record: JobRecord, spot: boolean): Promise<JobRecord> {
    try {
      const task = await this.deps.launcher.launch({ jobId: record.jobId, run: record.runs ?? 1, command: workerCommand(record), spot });
      const launched = { taskArn: task.taskArn, capacityProvider: task.capacityProvider, updatedAt: this.deps.clock.now().toISOString() };
      await this.deps.records.update(record.jobId, launched);
      return { ...record, ...launched };
    } catch (error) {
      const at = this.deps.clock.now().toISOString();
      await this.deps.records.update(record.jobId, { state: 'FAILED', error: `The task did not start: ${(error as Error).message}`, finishedAt: at, updatedAt: at });
      throw error;
    }
  }

  private paramsOf(tenantId: string, jobId: string, request: JobRequest): JobParams {
    const issues: FieldIssue[] = [];
    const inPrefix = (field: string, location: string, prefix: string) => {
      const object = parseS3Uri(location)!;
      const expected = `${prefix}/${tenantId}/`;
      if (object.bucket !== this.deps.jobsBucket) issues.push({ path: `/${field}`, message: `must be in the jobs bucket ${this.deps.jobsBucket}` });
      else if (!object.key.startsWith(expected)) issues.push({ path: `/${field}`, message: `must be under s3://${this.deps.jobsBucket}/${expected}` });
    };
    let params: JobParams;
    switch (request.kind) {
      case 'import': {
        const rejects = request.rejects ?? defaultRejectsUri(this.deps.jobsBucket, tenantId, jobId);
        inPrefix('source', request.source, JOB_PREFIXES.imports);
        inPrefix('rejects', rejects, JOB_PREFIXES.rejects);
        params = { source: request.source, rejects, ...(request.format && { format: request.format }), ...(request.concurrency && { concurrency: request.concurrency }) };
        break;
      }
      case 'export': {
        const destination = request.destination ?? defaultExportUri(this.deps.jobsBucket, tenantId, jobId);
        inPrefix('destination', destination, JOB_PREFIXES.exports);
        params = { destination };
        break;
      }
      case 'rebuild-read-model':
        params = request.segments ? { segments: request.segments } : {};
        break;
    }
    if (issues.length > 0) throw new ValidationError('The job names a location it may not use.', issues);
    return params;
  }
}

/** The job, for an admin of its tenant; another tenant's job is not found (never 403). */
export async function readJob(records: Pick<JobRecords, 'get'>, requester: Requester, jobId: string): Promise<JobRecord> {
  const record = await records.get(jobId);
  if (!record || record.tenantId !== requester.tenantId) throw new NotFoundError(`No job ${jobId} exists, or it is not your tenant's.`);
  return record;
}

/** Starts or resumes a job for an operator (the startJob function): validated like the API's requests. */
export async function startOperatorJob(service: JobService, event: unknown): Promise<JobRecord> {
  const request = parseInput(operatorJobRequestSchema, event, 'body');
  if ('resume' in request) return await service.resume(request.resume, request.spot);
  const { tenantId, requestedBy, ...job } = request;
  return await service.start({ id: `operator:${requestedBy ?? 'startJob'}`, tenantId }, job);
}
