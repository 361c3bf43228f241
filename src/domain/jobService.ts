import { ConflictError, NotFoundError, ValidationError, type FieldIssue } from './errors.ts';
import { parseInput } from './parseInput.ts';
import type { JobParams, JobRecord, JobState } from './jobRecord.ts';
import { ALL_TENANTS, defaultExportUri, defaultRejectsUri, JOB_PREFIXES, operatorJobRequestSchema, parseS3Uri, type JobRequest, type Requester } from './jobRequest.ts';
import type { Clock, IdGenerator, JobLauncher, JobRecords, JobSlots } from './ports.ts';

/**
 * Bulk jobs (import, export, read-model rebuild) run by the worker on ECS Fargate. A job is asked
 * for by an admin of a tenant (POST /api/v1/secure/jobs) or by an operator (the startJob
 * function); it is recorded (QUEUED), its task is started, and the worker keeps the record up to
 * date until it ends. Its files live in the stage's jobs bucket, under the tenant's own prefixes.
 */

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

/** Starts or resumes a job for an operator (the startJob function): validated like the API's requests. */
export async function startOperatorJob(service: JobService, event: unknown): Promise<JobRecord> {
  const request = parseInput(operatorJobRequestSchema, event, 'body');
  if ('resume' in request) return await service.resume(request.resume, request.spot);
  const { tenantId, requestedBy, ...job } = request;
  return await service.start({ id: `operator:${requestedBy ?? 'startJob'}`, tenantId }, job);
}
