import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../../src/adapters/dynamodb/DynamoEntityRepository.ts';
import { DynamoEntitySource } from '../../src/adapters/dynamodb/DynamoEntitySource.ts';
import { projectEntityEvents } from '../../src/adapters/postgres/entityProjection.ts';
import { PostgresReadModelStore } from '../../src/adapters/postgres/PostgresReadModelStore.ts';
import { ReadModelReconciler } from '../../src/domain/readModelReconciler.ts';
import { ensureTable } from '../../scripts/lib/localStack.ts';
import { uniqueTenant } from '../support/api.ts';
import { changed, entityAt } from '../support/entityEvents.ts';

let pool: pg.Pool;
let repository: DynamoEntityRepository;
let reconciler: ReadModelReconciler;

// Its own table: the stack's event pipeline projects the main table's changes into the same
// database, and would repair the drift this test plants before the reconciler could find it.
const table = `reconciliation-test-${randomUUID()}`;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
  await ensureTable(inject('dynamoEndpoint'), table);
  const client = createDocumentClient({ region: 'eu-west-1', endpoint: inject('dynamoEndpoint') });
  repository = new DynamoEntityRepository({ client, tableName: table, cursorSigningKey: 'test-cursor-signing-key-0123456789' });
  reconciler = new ReadModelReconciler({
    source: new DynamoEntitySource({ client, tableName: table }),
    readModel: new PostgresReadModelStore(pool),
    limits: { maxTenants: 1000, maxEntitiesPerTenant: 100, discoveryItems: 10_000 },
  });
});
afterAll(() => pool.end());

const row = async (id: string) => (await pool.query('SELECT name, attributes, version, deleted_at FROM entities WHERE id = $1', [id])).rows[0];

describe('read-model reconciliation (DynamoDB Local ↔ real PostgreSQL)', () => {
  it('finds and repairs corrupted, stale, missing and deleted-in-source rows; a second pass finds nothing', async () => {
    const tenant = uniqueTenant('recon');
    const [fine, corrupted, stale, missing, removed] = [1, 2, 3, 4, 5].map((n) => entityAt(tenant, 1, { name: `Entity ${n}`, attributes: { n } }));
    for (const e of [fine, corrupted, stale, missing, removed]) await repository.create(e!);
    const staleV2 = { ...stale!, version: 2, attributes: { n: 3, changed: true }, updatedAt: '2025-01-01T00:01:00.000Z' };
    await repository.update(staleV2, stale!);
    await projectEntityEvents(pool, [fine, corrupted, stale, removed].map((e) => changed(e!)));
    await repository.delete(removed!, '2025-01-02T00:00:00.000Z');
    // Corrupt a row behind the projector's back: same version, wrong content.
    await pool.query(`UPDATE entities SET name = 'tampered', attributes = '{"evil": true}' WHERE id = $1`, [corrupted!.id]);

    const report = await reconciler.reconcileTenant(tenant);
    expect(report.drift.map((d) => `${d.kind}:${d.id}`).sort()).toEqual(
      [`different:${corrupted!.id}`, `stale:${stale!.id}`, `missing:${missing!.id}`, `deleted-in-source:${removed!.id}`].sort(),
    );
    expect(report.repaired).toBe(4);
    expect(await row(corrupted!.id)).toMatchObject({ name: 'Entity 2', attributes: { n: 2 }, version: 1, deleted_at: null });
    expect(await row(stale!.id)).toMatchObject({ version: 2, attributes: { n: 3, changed: true } });
    expect(await row(missing!.id)).toMatchObject({ name: 'Entity 4', version: 1 });
    expect(await row(removed!.id)).toMatchObject({ version: 2, deleted_at: expect.any(Date) });

    expect(await reconciler.reconcileTenant(tenant)).toMatchObject({ drift: [], repaired: 0, complete: true });
  });

  it('discovers tenants from DynamoDB in a scheduled run, even one the read model has never seen', async () => {
    const tenant = uniqueTenant('recon-new');
    const entity = entityAt(tenant, 1);
    await repository.create(entity);
    const reports = await reconciler.run();
    expect(reports.find((r) => r.tenantId === tenant)).toMatchObject({ drift: [{ kind: 'missing', id: entity.id }], repaired: 1 });
    expect(await row(entity.id)).toMatchObject({ version: 1, deleted_at: null });
  });
});
