import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCustomResource, isCustomResourceEvent } from '../../src/adapters/cloudformation/customResource.ts';
import { readMigrationFiles } from '../../src/adapters/postgres/migrationFiles.ts';
import { migrate } from '../../src/adapters/postgres/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

/** The pre-signed S3 URL CloudFormation waits on (S3 has no local peer here): records each PUT, answers `status`. */
interface ResponseUrl { readonly url: string; readonly received: { method: string; path: string; headers: IncomingHttpHeaders; body: any }[]; status: number; stop(): Promise<void> }
async function startResponseUrl(): Promise<ResponseUrl> {
  const received: ResponseUrl['received'] = [];
  const state = { status: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, path: req.url!, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cloudformation-response?X-Amz-Signature=abc`,
    received,
    get status() { return state.status; },
    set status(value: number) { state.status = value; },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function event(requestType: 'Create' | 'Update' | 'Delete', responseUrl: string): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:entity-platform-dev-migrate',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/entity-platform-dev/guid',
    RequestId: `request-${requestType}`,
    LogicalResourceId: 'ReadModelMigrations',
    ResourceType: 'Custom::ReadModelMigrations',
    ResourceProperties: { ServiceToken: 'arn', Migrations: 'sha256:x' },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  if (requestType === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId: 'read-model-migrations', OldResourceProperties: { ServiceToken: 'arn' } };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: 'read-model-migrations' };
}

describe('the read-model migrations as a CloudFormation custom resource (real PostgreSQL)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let responseUrl: ResponseUrl;
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    responseUrl = await startResponseUrl();
  });
  afterAll(async () => {
    await responseUrl.stop();
    await pool.end();
    await database.drop();
  });

  const applyWith = (migrations: Awaited<ReturnType<typeof readMigrationFiles>>) => ({
    physicalResourceId: 'read-model-migrations',
    apply: async () => {
      const report = await migrate(pool, migrations);
      return { applied: report.applied.join(','), alreadyApplied: String(report.alreadyApplied.length) };
    },
  });

  it('tells CloudFormation events from direct invocations', () => {
    expect(isCustomResourceEvent(event('Create', 'https://x'))).toBe(true);
    expect(isCustomResourceEvent({})).toBe(false);
    expect(isCustomResourceEvent({ RequestType: 'Create' })).toBe(false);
    expect(isCustomResourceEvent(null)).toBe(false);
  });

  it('applies the migrations on Create and answers SUCCESS at the pre-signed URL; an Update applies nothing twice', async () => {
    const migrations = await readMigrationFiles();
    const names = migrations.map((m) => m.name);
    responseUrl.received.length = 0;
    await answerCustomResource(event('Create', responseUrl.url), applyWith(migrations));
    expect(responseUrl.received).toHaveLength(1);
    const [put] = responseUrl.received;
    expect(put!.method).toBe('PUT');
    expect(put!.path).toBe('/cloudformation-response?X-Amz-Signature=abc');
    expect(put!.headers['content-type'] ?? '').toBe('');
    expect(put!.body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'read-model-migrations',
      StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/entity-platform-dev/guid',
      RequestId: 'request-Create',
      LogicalResourceId: 'ReadModelMigrations',
      Data: { applied: names.join(','), alreadyApplied: '0' },
    });
    const { rows } = await pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(names);

    await answerCustomResource(event('Update', responseUrl.url), applyWith(migrations));
    expect(responseUrl.received[1]!.body).toMatchObject({ Status: 'SUCCESS', RequestId: 'request-Update', Data: { applied: '', alreadyApplied: String(names.length) } });
  });

  it('answers FAILED with the failing migration in the reason (the deploy fails), and rolls that migration back', async () => {
    const migrations = await readMigrationFiles();
    responseUrl.received.length = 0;
    const response = await answerCustomResource(event('Update', responseUrl.url), applyWith([...migrations, { name: '9999_broken', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' }]));
    expect(response.Status).toBe('FAILED');
    expect(responseUrl.received[0]!.body).toEqual({
      Status: 'FAILED',
      Reason: expect.stringMatching(/9999_broken failed and was rolled back/),
      PhysicalResourceId: 'read-model-migrations',
      StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/entity-platform-dev/guid',
      RequestId: 'request-Update',
      LogicalResourceId: 'ReadModelMigrations',
    });
    expect((await pool.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'")).rowCount).toBe(0);
  });

  it('does nothing on Delete (the schema outlives the resource) and succeeds, also after a failed Create', async () => {
    responseUrl.received.length = 0;
    let applied = false;
    await answerCustomResource(event('Delete', responseUrl.url), { physicalResourceId: 'read-model-migrations', apply: () => { applied = true; return Promise.resolve({}); } });
    expect(applied).toBe(false);
    expect(responseUrl.received[0]!.body).toMatchObject({ Status: 'SUCCESS', RequestId: 'request-Delete', Data: {} });
  });

  it('fails the invocation when CloudFormation refuses the answer (so it is retried or times out, never lost silently)', async () => {
    responseUrl.status = 403;
    try {
      await expect(answerCustomResource(event('Delete', responseUrl.url), { physicalResourceId: 'x', apply: () => Promise.resolve({}) })).rejects.toThrow(/HTTP 403/);
    } finally {
      responseUrl.status = 200;
    }
  });
});
