import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../../src/adapters/dynamodb/DynamoEntityRepository.ts';
import type { Entity } from '../../src/domain/entity.ts';
import { checkpointKey, DynamoCheckpointStore } from '../../src/adapters/dynamodb/DynamoCheckpointStore.ts';
import type { Checkpoint } from '../../src/domain/jobCheckpoint.ts';
import type { CheckpointStore } from '../../src/domain/ports.ts';
import { runExport } from '../../src/worker/exportJob.ts';
import { createJobFiles } from '../../src/worker/jobFiles.ts';
import { runImport, type ImportOptions } from '../../src/worker/importJob.ts';
import type { ProgressReporter } from '../../src/worker/progress.ts';
import { runRebuild } from '../../src/worker/rebuildJob.ts';
import { PostgresEntityProjector } from '../../src/adapters/postgres/PostgresEntityProjector.ts';
import { DynamoEntityPages } from '../../src/adapters/dynamodb/DynamoEntityPages.ts';
import { ensureTable, PROJECT_ROOT } from '../../scripts/lib/localStack.ts';
import { uniqueTenant } from '../support/api.ts';
import { startLocalS3, type LocalS3 } from '../support/localS3.ts';
import { S3ObjectStore } from '../../src/adapters/s3/S3ObjectStore.ts';
import { DynamoJobRecords } from '../../src/adapters/dynamodb/DynamoJobRecords.ts';
import type { JobFiles } from '../../src/worker/jobFiles.ts';

// Its own table: the stack's event pipeline would otherwise project these writes into the same
// read model while the rebuild test wipes and rebuilds it.
const table = `worker-test-${randomUUID()}`;
const clock = { now: () => new Date() };
const files = createJobFiles();
let dir: string;
let pool: pg.Pool;
let repository: DynamoEntityRepository;
let checkpoints: DynamoCheckpointStore;
let pages: DynamoEntityPages;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'worker-test-'));
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 4 });
  await ensureTable(inject('dynamoEndpoint'), table);
  const client = createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamoEndpoint') });
  repository = new DynamoEntityRepository({ client, tableName: table, cursorSigningKey: 'test-cursor-signing-key-0123456789' });
  checkpoints = new DynamoCheckpointStore({ client, tableName: table });
  pages = new DynamoEntityPages({ client, tableName: table });
});
afterAll(async () => {
  await pool.end();
  await rm(dir, { recursive: true, force: true });
});

/** Every live entity of the tenant, by DynamoDB's TenantIndex. */
async function tenantEntities(tenantId: string): Promise<Entity[]> {
  const all: Entity[] = [];
  let after: Record<string, unknown> | null = null;
  do {
    const page = await pages.tenantPage(tenantId, after, 100);
    all.push(...page.entities);
    after = page.next;
  } while (after);
  return all;
}

/** What an import decides: the content per name, independent of ids and timestamps. */
const content = (entities: readonly Entity[]) => entities.map((e) => ({ name: e.name, attributes: e.attributes, visibility: e.visibility, version: e.version })).sort((a, b) => a.name.localeCompare(b.name));

const readRejects = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

/** A generated file: `n` records, every 10th invalid in some way, every 7th reusing an earlier name. */
function generated(n: number): { text: string; valid: number; invalidLines: number[]; duplicateLines: number[] } {
  const lines: string[] = [];
  const invalidLines: number[] = [];
  const duplicateLines: number[] = [];
  let lastValid = 1;
  for (let i = 1; i <= n; i++) {
    if (i % 10 === 0) {
      const bad = [`{"name": "broken ${i}"`, JSON.stringify({ attributes: { i } }), JSON.stringify({ name: `Bad visibility ${i}`, visibility: 'secret' }), JSON.stringify({ name: `Bad key ${i}`, attributes: { 'no spaces': 1 } })];
      lines.push(bad[(i / 10) % bad.length]!);
      invalidLines.push(i);
    } else if (i % 7 === 0) {
      lines.push(JSON.stringify({ name: `  ITEM ${lastValid} `, attributes: { dup: true } })); // an earlier line's name, compared case-insensitively
      duplicateLines.push(i);
    } else {
      lines.push(JSON.stringify({ name: `Item ${i}`, attributes: { i, group: `g${i % 3}` }, visibility: i % 2 ? 'public' : 'private' }));
      lastValid = i;
    }
  }
  return { text: lines.join('\n') + '\n', valid: n - invalidLines.length - duplicateLines.length, invalidLines, duplicateLines };
}

/** Records every checkpoint written (to replay an older one, as a crash between checkpoints leaves it). */
function recording(store: CheckpointStore): CheckpointStore & { saved: Checkpoint[] } {
  const saved: Checkpoint[] = [];
  return { saved, load: (id) => store.load(id), save: async (c) => { saved.push(c); await store.save(c); } };
}

const abortAfter = (controller: AbortController, done: number): ProgressReporter => ({
  update: (s) => (s.done >= done ? controller.abort() : undefined),
  finish: () => undefined,
});

describe('worker: import (DynamoDB Local)', () => {
  it('imports valid records through the domain rules and writes invalid ones and name conflicts to the rejects file with their line and reason', async () => {
    const tenant = uniqueTenant('import');
    const file = join(dir, `${tenant}.ndjson`);
    const rejectsFile = join(dir, `${tenant}.rejects.ndjson`);
    await writeFile(
      file,
      [
        JSON.stringify({ name: 'Blue widget', attributes: { colour: 'blue' }, visibility: 'public' }),
        '{not json',
        JSON.stringify({ name: 'Red widget' }),
        JSON.stringify({ attributes: { colour: 'none' } }),
        '',
        JSON.stringify({ name: ' blue WIDGET ', attributes: { again: true } }),
        JSON.stringify({ name: 'Green', visibility: 'secret', attributes: { 'bad key': 1 } }),
        JSON.stringify({ id: randomUUID(), tenantId: 'someone-else', version: 9, name: 'Exported one', attributes: {}, visibility: 'private', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-01T00:00:00.000Z' }),
        '{"name":"Serial","attributes":{"serial":12345678901234567891}}',
      ].join('\n') + '\n',
    );
    const summary = await runImport({ repository, files, checkpoints, clock }, { jobId: randomUUID(), tenantId: tenant, file, format: 'ndjson', rejectsFile });
    expect(summary).toMatchObject({ state: 'completed', counts: { imported: 3, rejected: 5, replayed: 0 } });

    const stored = await tenantEntities(tenant);
    expect(content(stored)).toEqual([
      { name: 'Blue widget', attributes: { colour: 'blue' }, visibility: 'public', version: 1 },
      { name: 'Exported one', attributes: {}, visibility: 'private', version: 1 },
      { name: 'Red widget', attributes: {}, visibility: 'private', version: 1 },
    ]);
    expect(stored.every((e) => e.tenantId === tenant)).toBe(true);
    const blue = stored.find((e) => e.name === 'Blue widget')!;

    const rejects = await readRejects(rejectsFile);
    expect(rejects.map((r) => r.line)).toEqual([2, 4, 6, 7, 9]);
    expect(rejects[0].reason).toMatch(/^not valid JSON/);
    expect(rejects[1]).toMatchObject({ reason: 'invalid record', errors: [{ path: '/name', message: 'name is required and must be a string' }] });
    expect(rejects[2]).toMatchObject({ conflictingEntityId: blue.id });
    expect(rejects[2].reason).toContain('already used');
    expect(rejects[3].errors.map((e: { path: string }) => e.path).sort()).toEqual(['/attributes/bad key', '/visibility']);
    expect(rejects[4].reason).toMatch(/12345678901234567891 .*send it as a string/);
  });

  it('imports CSV: a header row, name and visibility columns, every other column an attribute', async () => {
    const tenant = uniqueTenant('csv');
    const file = join(dir, `${tenant}.csv`);
    const rejectsFile = join(dir, `${tenant}.rejects.ndjson`);
    await writeFile(file, 'name,colour,visibility,note\r\nTank,steel,public,"big, round"\r\n"Pump ""A""",,private,\r\n,red,public,x\r\nshort,row\r\n');
    const summary = await runImport({ repository, files, checkpoints, clock }, { jobId: randomUUID(), tenantId: tenant, file, format: 'csv', rejectsFile });
    expect(summary.counts).toMatchObject({ imported: 2, rejected: 2 });
    expect(content(await tenantEntities(tenant))).toEqual([
      { name: 'Pump "A"', attributes: {}, visibility: 'private', version: 1 },
      { name: 'Tank', attributes: { colour: 'steel', note: 'big, round' }, visibility: 'public', version: 1 },
    ]);
    expect((await readRejects(rejectsFile)).map((r) => [r.line, r.reason])).toEqual([
      [4, 'invalid record'],
      [5, 'has 2 fields, the header has 4'],
    ]);
  });

  it('resumes an interrupted import, and replays lines after a lagging checkpoint, ending exactly as an uninterrupted run', async () => {
    // Long enough that the batches in flight when the stop comes (4 × 25 records) end well before the file does.
    const input = generated(400);
    const file = join(dir, `resume-${randomUUID()}.ndjson`);
    await writeFile(file, input.text);
    const base = { file, format: 'ndjson', checkpointEvery: 20, batchSize: 25 } satisfies Partial<ImportOptions>;

    const straightTenant = uniqueTenant('straight');
    const straight = await runImport({ repository, files, checkpoints, clock }, { ...base, jobId: randomUUID(), tenantId: straightTenant, rejectsFile: join(dir, `${straightTenant}.rejects`) });
    expect(straight.counts).toMatchObject({ imported: input.valid, rejected: input.invalidLines.length + input.duplicateLines.length });

    // Stopped after ~120 records (the abort signal, as SIGTERM sends it), then restarted with the same job id.
    const tenant = uniqueTenant('resumed');
    const jobId = randomUUID();
    const rejectsFile = join(dir, `${tenant}.rejects`);
    const store = recording(checkpoints);
    const controller = new AbortController();
    const first = await runImport({ repository, files, checkpoints: store, clock }, { ...base, jobId, tenantId: tenant, rejectsFile, signal: controller.signal, progress: abortAfter(controller, 120) });
    expect(first.state).toBe('interrupted');
    const stoppedAt = (await checkpoints.load(jobId))!;
    expect(stoppedAt.position.line).toBeGreaterThanOrEqual(120);
    expect(stoppedAt.position.line).toBeLessThan(400);
    expect(stoppedAt).not.toHaveProperty('expiresAt'); // load() returns the checkpoint, not the item
    const { Item } = await createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamoEndpoint') }).send(new GetCommand({ TableName: table, Key: checkpointKey(jobId) }));
    expect(Item).toMatchObject({ pk: `JOB#${jobId}`, sk: 'CHECKPOINT', type: 'JobCheckpoint', state: 'interrupted', expiresAt: expect.any(Number) });
    expect(Item!['expiresAt']).toBeGreaterThan(Date.now() / 1000 + 13 * 24 * 3600);

    // A crash leaves an older checkpoint than the work done: put back one from before the stop.
    const older = store.saved.find((c) => c.state === 'running' && (c.position.line ?? 0) >= 40 && (c.position.line ?? 0) < stoppedAt.position.line!)!;
    expect(older).toBeDefined();
    await checkpoints.save({ ...older, state: 'interrupted' });

    const resumed = await runImport({ repository, files, checkpoints, clock }, { ...base, jobId, tenantId: tenant, rejectsFile });
    expect(resumed).toMatchObject({ state: 'completed', resumed: true, counts: { imported: straight.counts.imported, rejected: straight.counts.rejected } });
    expect(resumed.counts.replayed).toBe(stoppedAt.counts.imported! - older.counts.imported!); // written before the "crash", recognised by id

    const entities = await tenantEntities(tenant);
    expect(entities).toHaveLength(input.valid);
    expect(new Set(entities.map((e) => e.name.toLowerCase())).size).toBe(input.valid);
    expect(content(entities)).toEqual(content(await tenantEntities(straightTenant)));
    const lines = (rejects: { line: number }[]) => rejects.map((r) => r.line);
    expect(lines(await readRejects(rejectsFile))).toEqual(lines(await readRejects(join(dir, `${straightTenant}.rejects`))));
    expect(lines(await readRejects(rejectsFile))).toEqual([...input.invalidLines, ...input.duplicateLines].sort((a, b) => a - b));

    // A finished job run again does nothing.
    expect(await runImport({ repository, files, checkpoints, clock }, { ...base, jobId, tenantId: tenant, rejectsFile })).toMatchObject({ state: 'completed', counts: resumed.counts });
    expect(await tenantEntities(tenant)).toHaveLength(input.valid);
   }, 120_000); // three imports of the file on DynamoDB Local, which applies one write at a time

});

describe('worker: export and rebuild-read-model', () => {
  let source: string;
  beforeAll(async () => {
    source = uniqueTenant('source');
    const file = join(dir, `${source}.ndjson`);
    await writeFile(file, generated(60).text);
    await runImport({ repository, files, checkpoints, clock }, { jobId: randomUUID(), tenantId: source, file, format: 'ndjson', rejectsFile: join(dir, `${source}.rejects`) });
  });

  it('exports a tenant page by page (resuming after an interruption without repeating a line) and the export imports into another tenant unchanged', async () => {
    const file = join(dir, `${source}.export.ndjson`);
    const jobId = randomUUID();
    const controller = new AbortController();
    const first = await runExport({ pages, files, checkpoints, clock }, { jobId, tenantId: source, file, pageSize: 7, signal: controller.signal, progress: abortAfter(controller, 14) });
    expect(first).toMatchObject({ state: 'interrupted', counts: { exported: 14 } });
    const done = await runExport({ pages, files, checkpoints, clock }, { jobId, tenantId: source, file, pageSize: 7 });
    expect(done.state).toBe('completed');

    const original = await tenantEntities(source);
    const exported = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Entity);
    expect(done.counts['exported']).toBe(original.length);
    expect(exported).toEqual(original); // every entity once, in creation order, as stored

    const copy = uniqueTenant('copy');
    const imported = await runImport({ repository, files, checkpoints, clock }, { jobId: randomUUID(), tenantId: copy, file, format: 'ndjson', rejectsFile: join(dir, `${copy}.rejects`) });
    expect(imported.counts).toMatchObject({ imported: original.length, rejected: 0 });
    expect(content(await tenantEntities(copy))).toEqual(content(original));
  });

  it('rebuilds a wiped and tampered read model from DynamoDB; a second rebuild changes nothing', async () => {
    const entities = await tenantEntities(source);
    await pool.query('DELETE FROM entities WHERE tenant_id = $1', [source]);
    // A row the projector already has at a newer version must not be set back.
    const ahead = entities[0]!;
    await pool.query(
      `INSERT INTO entities (id, tenant_id, name, attributes, visibility, version, created_at, updated_at) VALUES ($1, $2, 'newer name', '{}', 'private', 5, now(), now())`,
      [ahead.id, source],
    );

    const summary = await runRebuild({ pages, projector: new PostgresEntityProjector(pool), checkpoints, clock }, { jobId: randomUUID(), tenantId: source, pageSize: 9 });
    expect(summary).toMatchObject({ state: 'completed', counts: { read: entities.length, written: entities.length - 1, failed: 0 } });
    const { rows } = await pool.query('SELECT id, name, attributes, visibility, version FROM entities WHERE tenant_id = $1 AND deleted_at IS NULL', [source]);
    const expected = entities.map((e) => (e.id === ahead.id ? { id: e.id, name: 'newer name', attributes: {}, visibility: 'private', version: 5 } : { id: e.id, name: e.name, attributes: e.attributes, visibility: e.visibility, version: e.version }));
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(rows.sort(byId)).toEqual(expected.sort(byId));

    const again = await runRebuild({ pages, projector: new PostgresEntityProjector(pool), checkpoints, clock }, { jobId: randomUUID(), tenantId: source, pageSize: 50 });
    expect(again.counts).toMatchObject({ read: entities.length, written: 0 });
  });

  it('rebuilds every tenant with a parallel segmented scan', async () => {
    const summary = await runRebuild({ pages, projector: new PostgresEntityProjector(pool), checkpoints, clock }, { jobId: randomUUID(), tenantId: '*', segments: 3, pageSize: 25 });
    expect(summary.state).toBe('completed');
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM entities WHERE tenant_id = $1', [source]);
    expect(rows[0]!.n).toBe((await tenantEntities(source)).length);
    expect(summary.counts['read']).toBeGreaterThanOrEqual(rows[0]!.n);
  });
});

describe('worker: the command line', () => {
  const cli = (args: string[]) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'src', 'worker', 'main.ts'), ...args], {
      env: { ...process.env, STAGE: 'local', DYNAMODB_ENDPOINT: inject('dynamoEndpoint'), ENTITIES_TABLE: table },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exit = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
    return { child, exit };
  };

  it('on SIGTERM finishes the records in flight, writes a checkpoint and exits 75; the same --job then completes the import', async () => {
    const tenant = uniqueTenant('cli');
    const jobId = `cli-${randomUUID()}`;
    const file = join(dir, `${tenant}.ndjson`);
    const n = 2000; // batches of 50, one in flight: long enough to be stopped on a quiet machine too
    await writeFile(file, Array.from({ length: n }, (_, i) => JSON.stringify({ name: `Cli ${i + 1}` })).join('\n') + '\n');

    const first = cli(['import', '--tenant', tenant, '--file', file, '--job', jobId, '--concurrency', '2']);
    for (let i = 0; i < 100 && (await tenantEntities(tenant)).length < 20; i++) await sleep(100);
    first.child.kill('SIGTERM');
    const stopped = await first.exit;
    expect(stopped.stderr).toContain('SIGTERM');
    expect(stopped.code).toBe(75);
    expect(stopped.stdout).toMatch(new RegExp(`import ${jobId} interrupted: imported \\d+`));
    const checkpoint = (await checkpoints.load(jobId))!;
    expect(checkpoint.state).toBe('interrupted');
    expect(checkpoint.position.line).toBeLessThan(n);

    const second = await cli(['import', '--tenant', tenant, '--file', file, '--job', jobId]).exit;
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`import ${jobId} completed \\(resumed\\): imported ${n}, rejected 0`));
    expect(await tenantEntities(tenant)).toHaveLength(n);
  }, 180_000);

  it('refuses bad usage with exit code 2', async () => {
    const result = await cli(['import', '--file', 'x.ndjson']).exit;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--tenant is required');
  });
});

describe('worker: credentials on ECS', () => {
  it("signs its DynamoDB calls with the task role's credentials from the container credentials endpoint (no keys in the environment)", async () => {
    // The ECS agent's credentials endpoint, and a proxy in front of DynamoDB Local that records each request's signature.
    const role = { AccessKeyId: 'ASIATASKROLEEXAMPLE1', SecretAccessKey: 'task-role-secret', Token: 'task-role-session-token', Expiration: new Date(Date.now() + 3600_000).toISOString() };
    let credentialRequests = 0;
    const agent = createServer((req, res) => {
      credentialRequests += 1;
      expect(req.headers.authorization).toBe('ecs-agent-token');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(role));
    });
    const upstream = new URL(inject('dynamoEndpoint'));
    const signatures: string[] = [];
    const proxy = createServer((req, res) => {
      signatures.push(`${String(req.headers.authorization).split(',')[0]} token=${String(req.headers['x-amz-security-token'])}`);
      const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(forwarded);
    });
    await Promise.all([new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve)), new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))]);
    try {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        STAGE: 'dev',
        AWS_REGION: 'eu-west-1',
        ENTITIES_TABLE: table,
        AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(agent.address() as AddressInfo).port}/v2/credentials/task`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'ecs-agent-token',
      };
      const out = join(dir, `ecs-${randomUUID()}.ndjson`);
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'src', 'worker', 'main.ts'), 'export', '--tenant', uniqueTenant('ecs'), '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const [code] = (await once(child, 'exit')) as [number];
      expect(code, stderr).toBe(0);
      expect(signatures.length).toBeGreaterThan(0);
      expect(new Set(signatures)).toEqual(new Set([expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=ASIATASKROLEEXAMPLE1\/\d{8}\/eu-west-1\/dynamodb\/aws4_request token=task-role-session-token$/)]));
      // Fetched once and kept until it nears its expiry, not per request.
      expect(credentialRequests).toBe(1);
    } finally {
      await Promise.all([new Promise((resolve) => agent.close(resolve)), new Promise((resolve) => proxy.close(resolve))]);
    }
  });
});

describe('worker: S3 input and output (s3rver, a real S3 peer)', () => {
  const bucket = 'jobs-worker-test';
  const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e';
  let s3: LocalS3;
  let s3files: JobFiles;
  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket(bucket);
    s3files = createJobFiles({ s3: new S3ObjectStore(s3.client), kmsKeyId: KEY_ARN });
  });
  afterAll(() => s3.stop());

  it('imports a file streamed from S3 with its rejects written to S3 (encrypted, NDJSON), then exports to S3, resuming after an interruption and starting over after a crash', async () => {
    const tenant = uniqueTenant('s3');
    const input = generated(80);
    await s3.put(bucket, `imports/${tenant}/in.ndjson`, input.text);
    s3.requests.length = 0;
    const rejectsKey = `rejects/${tenant}/import.ndjson`;
    const summary = await runImport({ repository, files: s3files, checkpoints, clock }, { jobId: randomUUID(), tenantId: tenant, file: `s3://${bucket}/imports/${tenant}/in.ndjson`, format: 'ndjson', rejectsFile: `s3://${bucket}/${rejectsKey}` });
    expect(summary.counts).toMatchObject({ imported: input.valid, rejected: input.invalidLines.length + input.duplicateLines.length });
    expect(s3.requests.map((r) => r.command)).toEqual(['GetObjectCommand', 'GetObjectCommand', 'PutObjectCommand']); // count, import, the rejects
    expect(s3.requests[0]!.input).toEqual({ Bucket: bucket, Key: `imports/${tenant}/in.ndjson` });
    expect(s3.requests[2]!.input).toMatchObject({ Bucket: bucket, Key: rejectsKey, ContentType: 'application/x-ndjson', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY_ARN });
    const rejects = (await s3.text(bucket, rejectsKey))!.trimEnd().split('\n').map((l) => JSON.parse(l) as { line: number });
    expect(rejects.map((r) => r.line)).toEqual([...input.invalidLines, ...input.duplicateLines].sort((a, b) => a - b));
    expect(await tenantEntities(tenant)).toHaveLength(input.valid);

    // Export to S3, stopped after two pages, then resumed: the object holds every entity once.
    const exportKey = `exports/${tenant}/all.ndjson`;
    const out = `s3://${bucket}/${exportKey}`;
    const jobId = randomUUID();
    const controller = new AbortController();
    const first = await runExport({ pages, files: s3files, checkpoints, clock }, { jobId, tenantId: tenant, file: out, pageSize: 7, signal: controller.signal, progress: abortAfter(controller, 14) });
    expect(first).toMatchObject({ state: 'interrupted', counts: { exported: 14 } });
    expect((await s3.text(bucket, exportKey))!.trimEnd().split('\n')).toHaveLength(14); // the upload completed at the interruption
    s3.requests.length = 0;
    const done = await runExport({ pages, files: s3files, checkpoints, clock }, { jobId, tenantId: tenant, file: out, pageSize: 7 });
    expect(done).toMatchObject({ state: 'completed', resumed: true, counts: { exported: input.valid } });
    expect(s3.requests.map((r) => r.command)).toEqual(['HeadObjectCommand', 'GetObjectCommand', 'PutObjectCommand']); // kept 14 lines (read back: under 5 MiB), all written at once
    const original = await tenantEntities(tenant);
    const exported = (await s3.text(bucket, exportKey))!.trimEnd().split('\n').map((l) => JSON.parse(l) as Entity);
    expect(exported).toEqual(original);

    // A crash leaves a checkpoint claiming more output than the (incomplete) upload made visible: the export starts over.
    const crashed = randomUUID();
    await checkpoints.save({ jobId: crashed, kind: 'export', tenantId: tenant, state: 'running', position: { cursor: null }, outputBytes: 10_000_000, counts: { exported: 999 }, source: `s3://${bucket}/exports/${tenant}/crashed.ndjson`, startedAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
    const again = await runExport({ pages, files: s3files, checkpoints, clock }, { jobId: crashed, tenantId: tenant, file: `s3://${bucket}/exports/${tenant}/crashed.ndjson` });
    expect(again.counts).toEqual({ exported: input.valid });
    expect((await s3.text(bucket, `exports/${tenant}/crashed.ndjson`))!.trimEnd().split('\n').map((l) => JSON.parse(l) as Entity)).toEqual(original);
  });

  it('runs an S3 import from the command line (S3_ENDPOINT), rejects next to it under rejects/<tenant>/<job>.ndjson, and records the job status', async () => {
    const tenant = uniqueTenant('clis3');
    const jobId = `cli-s3-${randomUUID()}`;
    await s3.put(bucket, `imports/${tenant}/in.csv`, 'name,colour\nTank,steel\n,red\nPump,\n');
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'src', 'worker', 'main.ts'), 'import', '--tenant', tenant, '--file', `s3://${bucket}/imports/${tenant}/in.csv`], {
      env: { ...process.env, STAGE: 'local', DYNAMODB_ENDPOINT: inject('dynamoEndpoint'), ENTITIES_TABLE: table, S3_ENDPOINT: s3.endpoint, JOB_ID: jobId },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`import ${jobId} completed: imported 2, rejected 1`));
    expect(JSON.parse((await s3.text(bucket, `rejects/${tenant}/${jobId}.ndjson`))!)).toMatchObject({ line: 3, reason: 'invalid record' });

    const record = (await new DynamoJobRecords({ client: createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamoEndpoint') }), tableName: table }).get(jobId))!;
    expect(record).toMatchObject({
      jobId,
      kind: 'import',
      tenantId: tenant,
      state: 'SUCCEEDED',
      counts: { imported: 2, rejected: 1, replayed: 0 },
      params: { source: `s3://${bucket}/imports/${tenant}/in.csv`, format: 'csv', rejects: `s3://${bucket}/rejects/${tenant}/${jobId}.ndjson` },
      rejects: `s3://${bucket}/rejects/${tenant}/${jobId}.ndjson`,
      lastCheckpoint: { position: { line: 4 } },
    });
    expect(record.requestedBy).toMatch(/^cli/);
    expect(Date.parse(record.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(record.startedAt!));
  });
});
