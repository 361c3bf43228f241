import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, token, uniqueTenant } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { expectProblem } from '../support/expectProblem.ts';
import { connectLocalS3, type LocalS3 } from '../support/localS3.ts';

const JOBS = '/api/v1/secure/jobs';
// The local stage's job settings (serverless.yml, custom.jobEnvironment.local); the stack's local S3 holds this bucket.
const BUCKET = 'entity-platform-local-jobs';
const admin = (tenantId: string) => token({ tenantId, scopes: ['entities/read', 'entities/write'], groups: ['admin'], subject: 'alice' });
const runTasks = async (): Promise<any[]> => (await fetch(`${inject('ecsEndpoint')}/tasks`)).json() as Promise<any[]>;

let s3: LocalS3;
beforeAll(() => {
  s3 = connectLocalS3(inject('s3Endpoint'));
});
afterAll(() => s3.stop());

describe('jobs over HTTP (local stack, really signed tokens; ECS is the local stand-in that runs the worker, as with npm start)', () => {
  it('refuses callers outside the admin group (403), unknown jobs and bad bodies', async () => {
    const tenant = uniqueTenant('jobs');
    const user = await token({ tenantId: tenant, scopes: ['entities/read', 'entities/write'] });
    expectProblem(await api('POST', JOBS, { token: user, body: { kind: 'rebuild-read-model' } }), 403);
    expectProblem(await api('GET', `${JOBS}/some-job`, { token: user }), 403);
    const t = await admin(tenant);
    expectProblem(await api('GET', `${JOBS}/no-such-job`, { token: t }), 404);
    expectProblem(await api('GET', `${JOBS}/bad%20id`, { token: t }), 400);
    const invalid = await api('POST', JOBS, { token: t, body: { kind: 'import', source: `s3://${BUCKET}/imports/someone-else/a.ndjson`, concurrency: 0 } });
    expectProblem(invalid, 400);
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toEqual(['/concurrency']);
    const foreign = await api('POST', JOBS, { token: t, body: { kind: 'import', source: `s3://${BUCKET}/imports/someone-else/a.ndjson` } });
    expectProblem(foreign, 400);
    expect(foreign.body.errors).toEqual([{ path: '/source', message: `must be under s3://${BUCKET}/imports/${tenant}/` }]);
    expectProblem(await api('DELETE', `${JOBS}/x`, { token: t }), 405);
  });

  it('refuses admins whose token lacks the job\'s scope (issue 18): export needs entities/read, import and rebuild entities/write', async () => {
    const tenant = uniqueTenant('jobs');
    const export_ = { kind: 'export', destination: `s3://${BUCKET}/exports/${tenant}/all.ndjson` };
    const import_ = { kind: 'import', source: `s3://${BUCKET}/imports/${tenant}/a.ndjson` };
    for (const scopes of [['aws.cognito.signin.user.admin'], ['openid', 'email']]) {
      const t = await token({ tenantId: tenant, scopes, groups: ['admin'] });
      for (const body of [export_, import_, { kind: 'rebuild-read-model' }]) expectProblem(await api('POST', JOBS, { token: t, body }), 403);
      expectProblem(await api('GET', `${JOBS}/any-job`, { token: t }), 403);
      expectProblem(await api('GET', '/api/v1/secure/entities', { token: t }), 403);
    }
    const reader = await token({ tenantId: tenant, scopes: ['entities/read'], groups: ['admin'] });
    const refused = await api('POST', JOBS, { token: reader, body: import_ });
    expectProblem(refused, 403);
    expect(refused.body.detail).toContain('entities/write');
    const writer = await token({ tenantId: tenant, scopes: ['entities/write'], groups: ['admin'] });
    expectProblem(await api('POST', JOBS, { token: writer, body: export_ }), 403);
    expect((await api('POST', JOBS, { token: reader, body: export_ })).status).toBe(202);
  });

  it('starts an import (202, RunTask as asked, Idempotency-Key replay); the task imports from S3 and the status route follows it to SUCCEEDED; other tenants see 404', async () => {
    const tenant = uniqueTenant('jobs');
    const t = await admin(tenant);
    const source = `s3://${BUCKET}/imports/${tenant}/catalogue.ndjson`;
    await s3.put(BUCKET, `imports/${tenant}/catalogue.ndjson`, [JSON.stringify({ name: 'Tank', attributes: { material: 'steel' } }), '{broken', JSON.stringify({ name: 'Pump' })].join('\n') + '\n');

    const key = randomUUID();
    const created = await api('POST', JOBS, { token: t, body: { kind: 'import', source }, headers: { 'Idempotency-Key': key } });
    expect(created.status, created.text).toBe(202);
    const job = created.body;
    const rejects = `s3://${BUCKET}/rejects/${tenant}/${job.jobId}.ndjson`;
    expect(job).toMatchObject({ kind: 'import', tenantId: tenant, state: 'QUEUED', requestedBy: 'user:alice', params: { source, rejects }, rejects, runs: 1, capacityProvider: 'FARGATE_SPOT' });
    expect(job.taskArn).toMatch(/^arn:aws:ecs:eu-west-1:000000000000:task\/entity-platform-local\//);
    expect(created.headers.get('location')).toBe(`${JOBS}/${job.jobId}`);
    const replay = await api('POST', JOBS, { token: t, body: { kind: 'import', source }, headers: { 'Idempotency-Key': key } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(job);

    // The RunTask request the function sent, exactly (one: the replay started nothing).
    const requests = (await runTasks()).filter((r) => r.overrides.containerOverrides[0].environment[0].value === job.jobId);
    const command = ['import', '--tenant', tenant, '--file', source, '--rejects', rejects, '--job', job.jobId];
    expect(requests).toEqual([
      {
        cluster: 'entity-platform-local',
        taskDefinition: 'entity-platform-local-worker',
        count: 1,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-local'], securityGroups: ['sg-local'], assignPublicIp: 'DISABLED' } },
        overrides: { containerOverrides: [{ name: 'worker', command, environment: [{ name: 'JOB_ID', value: job.jobId }] }] },
        clientToken: `${job.jobId}-1-spot`,
        startedBy: `job-${job.jobId}`,
        enableECSManagedTags: true,
        propagateTags: 'TASK_DEFINITION',
        tags: [{ key: 'job-id', value: job.jobId }],
      },
    ]);

    // The stand-in runs the task as ECS would (scripts/lib/localEcs.ts): the worker with the request's
    // command and JOB_ID, against the stack's table and S3; the record goes QUEUED → RUNNING → SUCCEEDED.
    const status = await eventually(() => api('GET', `${JOBS}/${job.jobId}`, { token: t }), (s) => s.body.state === 'SUCCEEDED' || s.body.state === 'FAILED');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ jobId: job.jobId, state: 'SUCCEEDED', counts: { imported: 2, rejected: 1, replayed: 0 }, rejects, taskArn: job.taskArn, lastCheckpoint: { position: { line: 3 } } });
    expect(Date.parse(status.body.startedAt)).toBeGreaterThanOrEqual(Date.parse(job.createdAt)); // it ran: RUNNING before SUCCEEDED
    expect(status.headers.get('cache-control')).toBe('private, no-cache');
    expect(JSON.parse((await s3.text(BUCKET, `rejects/${tenant}/${job.jobId}.ndjson`))!)).toMatchObject({ line: 2 });
    const names = (await api('GET', '/api/v1/secure/entities', { token: t })).body.items.map((e: { name: string }) => e.name).sort();
    expect(names).toEqual(['Pump', 'Tank']);

    expectProblem(await api('GET', `${JOBS}/${job.jobId}`, { token: await admin(uniqueTenant('other')) }), 404);
  });

  it('starts a job for an operator (sls invoke -f startJob): the job record with its task, run to SUCCEEDED; bad input names the field', async () => {
    const tenant = uniqueTenant('operator');
    const invoke = async (payload: unknown) => {
      const response = await fetch(`${inject('lambdaEndpoint')}/2015-03-31/functions/entity-platform-local-startJob/invocations`, { method: 'POST', body: JSON.stringify(payload) });
      return { error: response.headers.get('x-amz-function-error'), body: (await response.json()) as any };
    };
    const started = await invoke({ kind: 'export', tenantId: tenant, requestedBy: 'ops@example.com' });
    expect(started.error).toBeNull();
    expect(started.body).toMatchObject({ kind: 'export', tenantId: tenant, state: 'QUEUED', taskArn: expect.stringContaining(':task/entity-platform-local/') });
    const t = await admin(tenant);
    const status = await eventually(() => api('GET', `${JOBS}/${started.body.jobId}`, { token: t }), (s) => ['SUCCEEDED', 'FAILED'].includes(s.body.state));
    expect(status.body).toMatchObject({ jobId: started.body.jobId, state: 'SUCCEEDED' });

    const refused = await invoke({ kind: 'export', tenantId: 'not a tenant!' });
    expect(refused.error).toBeTruthy();
    expect(refused.body.errorMessage).toMatch(/^The request body is invalid\. \/tenantId: tenantId must be/);
  });
});
