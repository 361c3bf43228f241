import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunTaskCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localJobSettings, startLocalJobs, type LocalJobs } from '../../scripts/lib/localJobs.ts';
import { localTableName, type Template } from '../../scripts/lib/localStack.ts';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoJobRecords } from '../../src/adapters/dynamodb/DynamoJobRecords.ts';
import { createEcsClient, EcsJobLauncher, runTaskInput } from '../../src/adapters/ecs/EcsJobLauncher.ts';
import type { JobRecord } from '../../src/domain/jobRecord.ts';
import { jobRequestSchema } from '../../src/domain/jobRequest.ts';
import { JobService, workerCommand } from '../../src/domain/jobService.ts';
import { uniqueTenant } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { connectLocalS3 } from '../support/localS3.ts';
import { packagedTemplate } from '../support/packagedStack.ts';

// The jobs part of `npm start` (scripts/lib/localJobs.ts), started here as npm start starts it, against the run's table.
let template: Template;
let directory: string;
let jobs: LocalJobs;
let ecs: ECSClient;
const records = () => new DynamoJobRecords({ client: createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamoEndpoint') }), tableName: localTableName() });

beforeAll(async () => {
  template = (await packagedTemplate('local')) as Template;
  directory = await mkdtemp(join(tmpdir(), 'local-jobs-'));
  jobs = await startLocalJobs({ template, s3Port: 0, s3Directory: directory, ecsPort: 0, dynamoEndpoint: inject('dynamoEndpoint'), tableName: localTableName(), databaseUrl: inject('databaseUrl') });
  ecs = createEcsClient({ region: 'eu-west-1', endpoint: jobs.ecs.endpoint });
});
afterAll(async () => {
  ecs.destroy();
  await jobs.stop();
  await rm(directory, { recursive: true, force: true });
});

describe('the local stack\'s jobs (npm start): a local S3 with the stage\'s jobs bucket, ECS running the worker', () => {
  it('stops a running task as Spot does (SIGTERM): the worker checkpoints and the job is INTERRUPTED; a RunTask repeated with its clientToken starts nothing', async () => {
    const settings = localJobSettings(template);
    expect(jobs.jobsBucket).toBe('entity-platform-local-jobs'); // serverless.yml, custom.jobEnvironment.local
    const tenant = uniqueTenant('localjobs');
    const s3 = connectLocalS3(jobs.s3.endpoint);
    const lines = 5000;
    await s3.put(jobs.jobsBucket, `imports/${tenant}/big.ndjson`, Array.from({ length: lines }, (_, i) => JSON.stringify({ name: `Item ${i}` })).join('\n') + '\n');
    await s3.stop();

    // As the job functions compose it (src/composition/jobService.ts): the job's record, then RunTask on the stand-in.
    const service = new JobService({ records: records(), launcher: new EcsJobLauncher({ client: ecs, settings: () => Promise.resolve(settings) }), clock: { now: () => new Date() }, ids: { newId: randomUUID }, jobsBucket: jobs.jobsBucket });
    const job = await service.start({ id: 'user:test', tenantId: tenant }, jobRequestSchema.parse({ kind: 'import', source: `s3://${jobs.jobsBucket}/imports/${tenant}/big.ndjson` }));
    // Stopped mid-import: after its first checkpoint (500 lines or 5 s), long before the 5000th line.
    const running = await eventually(() => records().get(job.jobId), (r) => r?.state === 'RUNNING' && (r.counts?.['imported'] ?? 0) > 0, 40_000);
    expect(running).toMatchObject({ state: 'RUNNING' });

    const again = await ecs.send(new RunTaskCommand(runTaskInput(settings, { jobId: job.jobId, run: 1, command: workerCommand(job) }, 'FARGATE_SPOT')));
    expect(again.tasks?.[0]?.taskArn).toBe(job.taskArn);
    const tasks = jobs.ecs.tasks.filter((t) => t.jobId === job.jobId);
    expect(tasks.map((t) => t.taskArn)).toEqual([job.taskArn]);

    await jobs.stop(); // what Ctrl-C does: SIGTERM to the task, and wait for it
    expect(await tasks[0]!.stopped, tasks[0]!.output.join('\n')).toBe(75);
    expect(tasks[0]!.output.join('\n')).toMatch(/SIGTERM: finishing the records in flight and writing a checkpoint/);
    const interrupted = (await records().get(job.jobId)) as JobRecord;
    expect(interrupted).toMatchObject({ state: 'INTERRUPTED', taskArn: job.taskArn, runs: 1 });
    const line = (interrupted.lastCheckpoint?.position as { line: number }).line;
    expect(line).toBeGreaterThan(0);
    expect(line).toBeLessThan(lines);
    expect(interrupted.counts).toMatchObject({ imported: line, rejected: 0 });
    await expect(fetch(`${jobs.ecs.endpoint}/tasks`)).rejects.toThrow(); // the stand-in is gone too
  }, 90_000);
});
