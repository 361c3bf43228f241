import { parseArgs } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createEcsClient, EcsJobLauncher, type WorkerTaskSettings } from '../../../src/adapters/ecs/EcsJobLauncher.ts';
import { startAwsStandIn, type AwsStandIn } from '../../support/awsStandIn.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../src/domain/errors.ts';
import type { JobRecord } from '../../../src/domain/jobRecord.ts';
import { adminRequester, JOB_SCOPES, jobRequestSchema, readJob } from '../../../src/domain/jobRequest.ts';
import { JOB_SILENT_AFTER_MS, JobService, startOperatorJob, workerCommand } from '../../../src/domain/jobService.ts';
import type { JobLauncher, JobRecords, JobSlots } from '../../../src/domain/ports.ts';
import { ADMIN_GROUP, SCOPES, type Principal } from '../../../src/domain/principal.ts';

const BUCKET = 'entity-platform-dev-jobs-1a2b';
const principal = (tenantId: string, groups: string[] = [ADMIN_GROUP]): Principal => ({ subject: 'alice', tenantId, scopes: new Set([SCOPES.read]), groups: new Set(groups) });

function memoryRecords(): JobRecords & { items: Map<string, JobRecord> } {
  const items = new Map<string, JobRecord>();
  return {
    items,
    create: (r) => (items.has(r.jobId) ? Promise.reject(new Error('exists')) : (items.set(r.jobId, r), Promise.resolve())),
    get: (id) => Promise.resolve(items.get(id)),
    update: (id, changes) => (items.set(id, { ...items.get(id)!, ...changes }), Promise.resolve()),
  };
}

function service(launcher: JobLauncher = { launch: () => Promise.resolve({ taskArn: 'arn:task/1', capacityProvider: 'FARGATE_SPOT' }) }) {
  const records = memoryRecords();
  let n = 0;
  const jobs = new JobService({ records, launcher, clock: { now: () => new Date('2026-01-02T03:04:05.000Z') }, ids: { newId: () => `job-${++n}` }, jobsBucket: BUCKET });
  return { records, jobs };
}

describe('job requests', () => {
  it('accept an import, an export and a rebuild; refuse unknown kinds, members and non-S3 locations', () => {
    expect(jobRequestSchema.parse({ kind: 'import', source: `s3://${BUCKET}/imports/acme/a.csv` })).toEqual({ kind: 'import', source: `s3://${BUCKET}/imports/acme/a.csv`, spot: true });
    expect(jobRequestSchema.safeParse({ kind: 'export', destination: '/tmp/x.ndjson' }).success).toBe(false);
    expect(jobRequestSchema.safeParse({ kind: 'delete-everything' }).success).toBe(false);
    expect(jobRequestSchema.safeParse({ kind: 'rebuild-read-model', tenantId: 'other' }).success).toBe(false);
    expect(jobRequestSchema.safeParse({ kind: 'import', source: `s3://${BUCKET}/imports/acme/` }).success).toBe(false);
  });

  it('are for admins only', () => {
    expect(() => adminRequester(principal('acme', []))).toThrow(ForbiddenError);
    expect(() => adminRequester(undefined)).toThrow(ForbiddenError);
    expect(adminRequester(principal('acme'))).toEqual({ id: 'user:alice', tenantId: 'acme' });
  });

  it('need the scope of the job on top of the admin group (issue 18: an admin token with only openid/email scopes exported its tenant)', () => {
    const admin = (scopes: string[]): Principal => ({ subject: 'alice', tenantId: 'acme', scopes: new Set(scopes), groups: new Set([ADMIN_GROUP]) });
    for (const scopes of [['aws.cognito.signin.user.admin'], ['openid', 'email'], []]) {
      for (const kind of ['import', 'export', 'rebuild-read-model'] as const) expect(() => adminRequester(admin(scopes), JOB_SCOPES[kind]), `${kind} ${scopes.join(' ')}`).toThrow(ForbiddenError);
    }
    expect(JOB_SCOPES).toEqual({ 'export': SCOPES.read, 'import': SCOPES.write, 'rebuild-read-model': SCOPES.write });
    expect(() => adminRequester(admin([SCOPES.read]), JOB_SCOPES.import)).toThrow(/entities\/write/);
    expect(() => adminRequester(admin([SCOPES.write]), JOB_SCOPES.export)).toThrow(/entities\/read/);
    expect(adminRequester(admin([SCOPES.write]), JOB_SCOPES['rebuild-read-model'])).toEqual({ id: 'user:alice', tenantId: 'acme' });
  });
});

describe('JobService', () => {
  it('records the job, starts its task with the worker command and records the task; locations must be under the tenant in the jobs bucket', async () => {
    const launched: unknown[] = [];
    const { records, jobs } = service({ launch: (job) => (launched.push(job), Promise.resolve({ taskArn: 'arn:task/1', capacityProvider: 'FARGATE_SPOT' })) });
    const job = await jobs.start({ id: 'user:alice', tenantId: 'acme' }, jobRequestSchema.parse({ kind: 'import', source: `s3://${BUCKET}/imports/acme/a.csv`, concurrency: 8 }));
    const rejects = `s3://${BUCKET}/rejects/acme/job-1.ndjson`;
    expect(job).toEqual({
      jobId: 'job-1', kind: 'import', tenantId: 'acme', state: 'QUEUED', params: { source: `s3://${BUCKET}/imports/acme/a.csv`, rejects, concurrency: 8 }, requestedBy: 'user:alice',
      createdAt: '2026-01-02T03:04:05.000Z', updatedAt: '2026-01-02T03:04:05.000Z', rejects, runs: 1, taskArn: 'arn:task/1', capacityProvider: 'FARGATE_SPOT',
    });
    expect(records.items.get('job-1')).toEqual(job);
    expect(launched).toEqual([{ jobId: 'job-1', run: 1, spot: true, command: ['import', '--tenant', 'acme', '--file', `s3://${BUCKET}/imports/acme/a.csv`, '--rejects', rejects, '--concurrency', '8', '--job', 'job-1'] }]);

    const outside = async (request: unknown) => {
      const error = await jobs.start({ id: 'user:alice', tenantId: 'acme' }, jobRequestSchema.parse(request)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).issues;
    };
    expect(await outside({ kind: 'import', source: `s3://${BUCKET}/imports/other/a.csv` })).toEqual([{ path: '/source', message: `must be under s3://${BUCKET}/imports/acme/` }]);
    expect(await outside({ kind: 'export', destination: 's3://someone-elses-bucket/exports/acme/a.ndjson' })).toEqual([{ path: '/destination', message: `must be in the jobs bucket ${BUCKET}` }]);
    expect(await outside({ kind: 'import', source: `s3://${BUCKET}/imports/acme/a.csv`, rejects: `s3://${BUCKET}/exports/acme/r.ndjson` })).toEqual([{ path: '/rejects', message: `must be under s3://${BUCKET}/rejects/acme/` }]);
  });

  it('records a job whose task did not start as FAILED, with the reason, and lets an operator resume it', async () => {
    let fail = true;
    const { records, jobs } = service({ launch: () => (fail ? Promise.reject(new Error('RunTask started no task (FARGATE: RESOURCE:MEMORY)')) : Promise.resolve({ taskArn: 'arn:task/2', capacityProvider: 'FARGATE' })) });
    await expect(jobs.start({ id: 'user:alice', tenantId: 'acme' }, jobRequestSchema.parse({ kind: 'rebuild-read-model' }))).rejects.toThrow('RESOURCE:MEMORY');
    expect(records.items.get('job-1')).toMatchObject({ state: 'FAILED', error: 'The task did not start: RunTask started no task (FARGATE: RESOURCE:MEMORY)', runs: 1 });
    fail = false;
    expect(await startOperatorJob(jobs, { resume: 'job-1' })).toMatchObject({ state: 'QUEUED', taskArn: 'arn:task/2', runs: 2 });
    await expect(startOperatorJob(jobs, { resume: 'job-1' })).rejects.toThrow(ValidationError); // QUEUED: nothing to resume
    await expect(startOperatorJob(jobs, { resume: 'nope' })).rejects.toThrow(NotFoundError);
  });

  it('never sets a job back to QUEUED after RunTask: a task that reports before RunTask answers (the local stand-in) keeps its state', async () => {
    let items = new Map<string, JobRecord>();
    const finishAtOnce: JobLauncher = {
      launch: (job) => {
        items.set(job.jobId, { ...items.get(job.jobId)!, state: 'SUCCEEDED' }); // the worker's own report
        return Promise.resolve({ taskArn: `arn:task/${job.run}`, capacityProvider: 'FARGATE_SPOT' });
      },
    };
    const { records, jobs } = service(finishAtOnce);
    items = records.items;
    const job = await jobs.start({ id: 'user:alice', tenantId: 'acme' }, jobRequestSchema.parse({ kind: 'rebuild-read-model' }));
    expect(job).toMatchObject({ state: 'QUEUED', taskArn: 'arn:task/1', runs: 1 }); // the answer: the job as queued
    expect(items.get('job-1')).toMatchObject({ state: 'SUCCEEDED', taskArn: 'arn:task/1', runs: 1 });
    items.set('job-1', { ...items.get('job-1')!, state: 'INTERRUPTED' });
    expect(await startOperatorJob(jobs, { resume: 'job-1' })).toMatchObject({ state: 'QUEUED', taskArn: 'arn:task/2', runs: 2 });
    expect(items.get('job-1')).toMatchObject({ state: 'SUCCEEDED', taskArn: 'arn:task/2', runs: 2 });
  });

  it('lets an operator rebuild every tenant, but import or export only for one', async () => {
    const { jobs } = service();
    expect(await startOperatorJob(jobs, { kind: 'rebuild-read-model', tenantId: '*', segments: 8, requestedBy: 'ops' })).toMatchObject({ tenantId: '*', requestedBy: 'operator:ops', params: { segments: 8 } });
    await expect(startOperatorJob(jobs, { kind: 'export', tenantId: '*', destination: `s3://${BUCKET}/exports/x/a.ndjson` })).rejects.toThrow(ValidationError);
    await expect(startOperatorJob(jobs, { kind: 'export', destination: `s3://${BUCKET}/exports/x/a.ndjson` })).rejects.toThrow(ValidationError); // no tenant
  });

  it("reads a job for its tenant's admins only: another tenant's job is not found", async () => {
    const { records, jobs } = service();
    await jobs.start({ id: 'user:alice', tenantId: 'acme' }, jobRequestSchema.parse({ kind: 'rebuild-read-model' }));
    expect(await readJob(records, { id: 'user:alice', tenantId: 'acme' }, 'job-1')).toMatchObject({ jobId: 'job-1' });
    await expect(readJob(records, { id: 'user:bob', tenantId: 'globex' }, 'job-1')).rejects.toThrow(NotFoundError);
    await expect(readJob(records, { id: 'user:alice', tenantId: 'acme' }, 'job-2')).rejects.toThrow(NotFoundError);
  });
});

describe('workerCommand', () => {
  it("is the worker's command line for each kind, as the worker parses it", () => {
    const base = { jobId: 'j1', tenantId: 'acme' };
    expect(workerCommand({ ...base, kind: 'export', params: { destination: 's3://b/exports/acme/x.ndjson' } })).toEqual(['export', '--tenant', 'acme', '--out', 's3://b/exports/acme/x.ndjson', '--job', 'j1']);
    expect(workerCommand({ ...base, tenantId: '*', kind: 'rebuild-read-model', params: { segments: 8 } })).toEqual(['rebuild-read-model', '--all-tenants', '--segments', '8', '--job', 'j1']);
    const command = workerCommand({ ...base, kind: 'import', params: { source: 's3://b/imports/acme/a.csv', rejects: 's3://b/rejects/acme/j1.ndjson', format: 'csv' } });
    const { values, positionals } = parseArgs({ args: command, allowPositionals: true, options: { tenant: { type: 'string' }, file: { type: 'string' }, rejects: { type: 'string' }, format: { type: 'string' }, job: { type: 'string' } } });
    expect(positionals).toEqual(['import']);
    expect(values).toEqual({ tenant: 'acme', file: 's3://b/imports/acme/a.csv', rejects: 's3://b/rejects/acme/j1.ndjson', format: 'csv', job: 'j1' });
  });
});

describe('EcsJobLauncher', () => {
  const settings: WorkerTaskSettings = { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/entity-platform-dev', taskDefinition: 'entity-platform-dev-worker', containerName: 'worker', subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-w'] };
  // ECS has no local peer here: the SDK client sends to a stand-in that records each request and answers from the script.
  const standIns: AwsStandIn[] = [];
  afterAll(() => Promise.all(standIns.map((s) => s.stop())));
  const recording = async (answers: object[]) => {
    const standIn = await startAwsStandIn(() => ({ status: 200, body: answers.shift() ?? {} }));
    standIns.push(standIn);
    const client = createEcsClient({ region: 'eu-west-1', endpoint: standIn.endpoint });
    const sent = () => standIn.calls.map((call) => {
      expect(call.headers['x-amz-target']).toBe('AmazonEC2ContainerServiceV20141113.RunTask');
      return call.input;
    });
    return { sent, client };
  };
  const request = (capacityProvider: string, token: string) => ({
    cluster: settings.cluster,
    taskDefinition: 'entity-platform-dev-worker',
    count: 1,
    capacityProviderStrategy: [{ capacityProvider, weight: 1 }],
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-w'], assignPublicIp: 'DISABLED' } },
    overrides: { containerOverrides: [{ name: 'worker', command: ['export', '--tenant', 'acme', '--out', 's3://b/exports/acme/x.ndjson', '--job', 'job-7'], environment: [{ name: 'JOB_ID', value: 'job-7' }] }] },
    clientToken: token,
    startedBy: 'job-job-7',
    enableECSManagedTags: true,
    propagateTags: 'TASK_DEFINITION',
    tags: [{ key: 'job-id', value: 'job-7' }],
  });
  const job = { jobId: 'job-7', run: 1, command: ['export', '--tenant', 'acme', '--out', 's3://b/exports/acme/x.ndjson', '--job', 'job-7'], spot: true };

  it('runs the task on Fargate Spot in the private subnets with the job command and JOB_ID', async () => {
    const recorded = await recording([{ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/entity-platform-dev/abc' }], failures: [] }]);
    const { client } = recorded;
    const launched = await new EcsJobLauncher({ client, settings: () => Promise.resolve(settings) }).launch(job);
    expect(launched).toEqual({ taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/entity-platform-dev/abc', capacityProvider: 'FARGATE_SPOT' });
    expect(recorded.sent()).toEqual([request('FARGATE_SPOT', 'job-7-1-spot')]);
  });

  it('falls back to on-demand Fargate when Spot has no capacity, and fails with the reasons when neither starts a task', async () => {
    const recorded = await recording([
      { tasks: [], failures: [{ reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone' }] },
      { tasks: [{ taskArn: 'arn:task/od' }], failures: [] },
    ]);
    const { client } = recorded;
    expect(await new EcsJobLauncher({ client, settings: () => Promise.resolve(settings) }).launch(job)).toEqual({ taskArn: 'arn:task/od', capacityProvider: 'FARGATE' });
    expect(recorded.sent()).toEqual([request('FARGATE_SPOT', 'job-7-1-spot'), request('FARGATE', 'job-7-1-od')]);

    const other = await recording([{ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'no free addresses' }] }]);
    await expect(new EcsJobLauncher({ client: other.client, settings: () => Promise.resolve(settings) }).launch(job)).rejects.toThrow('RunTask started no task (FARGATE_SPOT: RESOURCE:ENI: no free addresses)');
    expect(other.sent()).toHaveLength(1); // not a capacity problem: no second try
  });
});

describe('jobs per tenant (issue 18): at most maxActivePerTenant QUEUED or RUNNING; the next start is a 409', () => {
  function limited(max: number, now = () => new Date('2026-01-02T03:04:05.000Z')) {
    const records = memoryRecords();
    const held = new Map<string, { jobIds: readonly string[]; version: number }>();
    const slots: JobSlots = {
      read: (tenantId) => Promise.resolve(held.get(tenantId) ?? { jobIds: [], version: 0 }),
      write: (tenantId, jobIds, version) => {
        if ((held.get(tenantId)?.version ?? 0) !== version) return Promise.resolve(false);
        held.set(tenantId, { jobIds, version: version + 1 });
        return Promise.resolve(true);
      },
    };
    let n = 0;
    const jobs = new JobService({ records, launcher: { launch: () => Promise.resolve({ taskArn: 'arn:task/1', capacityProvider: 'FARGATE_SPOT' }) }, clock: { now }, ids: { newId: () => `job-${++n}` }, jobsBucket: BUCKET, slots, maxActivePerTenant: max });
    return { jobs, records, held };
  }
  const rebuild = jobRequestSchema.parse({ kind: 'rebuild-read-model' });

  it('refuses the N+1th with a ConflictError naming the running jobs; other tenants are not affected', async () => {
    const { jobs } = limited(2);
    await jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild);
    await jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild);
    const third = await jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(ConflictError);
    expect((third as Error).message).toMatch(/At most 2 jobs .* 2 are queued or running \(job-1, job-2\)/);
    await expect(jobs.start({ id: 'user:b', tenantId: 'other' }, rebuild)).resolves.toMatchObject({ tenantId: 'other' });
  });

  it('frees the slot of a job that ended, of one that fell silent, and of one whose record never got written', async () => {
    let clock = new Date('2026-01-02T03:04:05.000Z');
    const { jobs, records, held } = limited(1, () => clock);
    const first = await jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild);
    await expect(jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild)).rejects.toBeInstanceOf(ConflictError);
    await records.update(first.jobId, { state: 'SUCCEEDED', updatedAt: clock.toISOString() });
    const second = await jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild);
    // RUNNING but silent for longer than JOB_SILENT_AFTER_MS: taken for dead.
    clock = new Date(clock.getTime() + JOB_SILENT_AFTER_MS + 1000);
    const third = await jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild);
    expect(held.get('acme')?.jobIds).toEqual([third.jobId]);
    expect(second.jobId).not.toBe(third.jobId);
    held.set('acme', { jobIds: ['never-recorded'], version: held.get('acme')!.version });
    await records.update(third.jobId, { state: 'FAILED', updatedAt: clock.toISOString() });
    await expect(jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild)).resolves.toMatchObject({ state: 'QUEUED' });
  });

  it('counts resumed jobs too, and lets every-tenant rebuilds (operators) through', async () => {
    const { jobs, records } = limited(1);
    const first = await jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild);
    await records.update(first.jobId, { state: 'INTERRUPTED', updatedAt: '2026-01-02T03:04:05.000Z' });
    await jobs.start({ id: 'user:a', tenantId: 'acme' }, rebuild);
    await expect(jobs.resume(first.jobId)).rejects.toBeInstanceOf(ConflictError);
    await expect(jobs.start({ id: 'operator:ops', tenantId: '*' }, rebuild)).resolves.toMatchObject({ tenantId: '*' });
  });
});
