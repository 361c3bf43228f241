import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { inject } from 'vitest';
import { projectEntityEvents } from '../../src/adapters/postgres/entityProjection.ts';
import { changed, deleted, entityAt, eventBridgeBody, sqsEvent } from '../support/entityEvents.ts';
import { uniqueTenant } from '../support/api.ts';

let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
});
afterAll(() => pool.end());

async function rowOf(id: string) {
  const { rows } = await pool.query('SELECT name, attributes, version, visibility, deleted_at, created_at, updated_at FROM entities WHERE id = $1', [id]);
  return rows[0];
}

describe('projectEntityEvents (real PostgreSQL)', () => {
  it('applies duplicates and out-of-order events so only the newest version counts', async () => {
    const tenant = uniqueTenant('proj');
    const v1 = entityAt(tenant, 1, { attributes: { colour: 'red' } });
    const v2 = { ...v1, version: 2, name: 'Second', attributes: { colour: 'blue' }, updatedAt: '2025-01-01T00:00:02.000Z' };
    const v3 = { ...v1, version: 3, name: 'Third', attributes: { colour: 'green' }, updatedAt: '2025-01-01T00:00:03.000Z' };

    // One batch with v2, v1 and a duplicate v2: the highest version per entity is written once.
    expect(await projectEntityEvents(pool, [changed(v2), changed(v1), changed(v2)])).toEqual({ written: 1, skipped: 2, failed: new Map() });
    // A later, older delivery changes nothing; the newer one wins; its redelivery is harmless.
    expect((await projectEntityEvents(pool, [changed(v1)])).written).toBe(0);
    expect((await projectEntityEvents(pool, [changed(v3)])).written).toBe(1);
    expect((await projectEntityEvents(pool, [changed(v3), changed(v2)])).written).toBe(0);
    expect(await rowOf(v1.id)).toMatchObject({ name: 'Third', attributes: { colour: 'green' }, version: 3, deleted_at: null });
  });

  it('soft-deletes with the tombstone version; older events cannot resurrect; a delete before its create still counts', async () => {
    const tenant = uniqueTenant('proj');
    const entity = entityAt(tenant, 1, { attributes: { keep: true } });
    await projectEntityEvents(pool, [changed(entity)]);
    await projectEntityEvents(pool, [deleted(entity)]);
    expect(await rowOf(entity.id)).toMatchObject({ version: 2, attributes: { keep: true }, deleted_at: expect.any(Date) });
    await projectEntityEvents(pool, [changed(entity)]);
    expect((await rowOf(entity.id)).deleted_at).not.toBeNull();

    const early = entityAt(tenant, 1);
    await projectEntityEvents(pool, [deleted(early), changed(early)]); // reordered within one batch
    expect(await rowOf(early.id)).toMatchObject({ version: 2, deleted_at: expect.any(Date) });
    const late = entityAt(tenant, 1);
    await projectEntityEvents(pool, [deleted(late)]);
    await projectEntityEvents(pool, [changed(late)]); // reordered across batches
    expect(await rowOf(late.id)).toMatchObject({ version: 2, deleted_at: expect.any(Date) });
  });

  it('throws when PostgreSQL cannot be reached, writing nothing; the redelivered batch then applies exactly once', async () => {
    const tenant = uniqueTenant('proj');
    const entities = [entityAt(tenant, 1), entityAt(tenant, 1), entityAt(tenant, 1)];
    const down = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
    await expect(projectEntityEvents(down, entities.map(changed))).rejects.toThrow();
    await down.end();
    expect(await rowOf(entities[0]!.id)).toBeUndefined();
    // Part of the batch was applied by an earlier delivery (a failure after the write): redelivery is harmless.
    await projectEntityEvents(pool, [changed(entities[0]!)]);
    expect(await projectEntityEvents(pool, entities.map(changed))).toMatchObject({ written: 2, skipped: 1 });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM entities WHERE tenant_id = $1', [tenant]);
    expect(rows[0].n).toBe(3);
  });

  it('isolates an event the database refuses, writing the rest of the batch', async () => {
    const tenant = uniqueTenant('proj');
    const good = entityAt(tenant, 1);
    const refused = entityAt(tenant, 1, { attributes: { text: 'nul \u0000 inside' } }); // jsonb cannot store \u0000
    const result = await projectEntityEvents(pool, [changed(good), changed(refused)]);
    expect(result.written).toBe(1);
    expect([...result.failed.keys()]).toEqual([1]);
    expect(await rowOf(good.id)).toBeDefined();
    expect(await rowOf(refused.id)).toBeUndefined();
  });
});

describe('projectEntityEvents handler (SQS batch, partial responses)', () => {
  it('reports a poison message as a batch item failure while the rest of the batch is projected', async () => {
    Object.assign(process.env, { DATABASE_URL: inject('databaseUrl'), POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_TRACE_ENABLED: 'false' });
    const { handler } = await import('../../functions/events/projectEntityEvents.ts');
    const tenant = uniqueTenant('sqs');
    const a = entityAt(tenant, 1);
    const b = entityAt(tenant, 1);
    const event = sqsEvent([eventBridgeBody(changed(a)), 'not json', JSON.stringify({ source: 'entity-platform.entities', 'detail-type': 'EntityCreated', detail: { type: 'EntityCreated' } }), eventBridgeBody(changed(b))]);
    const stdout: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true));
    onTestFinished(() => write.mockRestore());
    const before = Date.now();
    const response = await handler(event, { functionName: 'projectEntityEvents', awsRequestId: 'r', getRemainingTimeInMillis: () => 30_000 } as never);
    const after = Date.now();
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]!.messageId }, { itemIdentifier: event.Records[2]!.messageId }] });
    expect(await rowOf(a.id)).toBeDefined();
    expect(await rowOf(b.id)).toBeDefined();
    // The batch's EMF line: what it wrote, what it refused, and the lag ReadModelLagAlarm watches (the oldest change it applied).
    const line = stdout.map((text) => JSON.parse(text) as Record<string, unknown>).find((l) => 'ReadModelRowsWritten' in l)!;
    expect(line).toMatchObject({ ReadModelRowsWritten: 2, ReadModelProjectionFailures: 2, service: expect.any(String) });
    const occurred = Date.parse(a.updatedAt);
    expect(line['ReadModelLagSeconds']).toBeGreaterThanOrEqual((before - occurred) / 1000);
    expect(line['ReadModelLagSeconds']).toBeLessThanOrEqual((after - occurred) / 1000);
    // Redelivery of the whole batch: the good ones are no-ops, the poison ones fail again (→ DLQ after maxReceiveCount).
    const again = await handler(event, { functionName: 'projectEntityEvents', awsRequestId: 'r2', getRemainingTimeInMillis: () => 30_000 } as never);
    expect(again.batchItemFailures).toHaveLength(2);
  });
});
