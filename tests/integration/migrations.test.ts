import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrationFiles } from '../../src/adapters/postgres/migrationFiles.ts';
import { migrate } from '../../src/adapters/postgres/migrator.ts';
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts';

describe('migrations (real PostgreSQL, a database of their own)', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('apply once under concurrent runners, then are idempotent', async () => {
    const migrations = await readMigrationFiles();
    const names = migrations.map((m) => m.name);
    const reports = await Promise.all([migrate(pool, migrations), migrate(pool, migrations), migrate(pool, migrations)]);
    // The advisory lock serialises the runners: exactly one applied each migration.
    expect(reports.flatMap((r) => r.applied).sort()).toEqual(names);
    expect(await migrate(pool, migrations)).toEqual({ applied: [], alreadyApplied: names });
    const { rows } = await pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(names);
    const indexes = await pool.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'entities' ORDER BY indexname");
    expect(indexes.rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['entities_attributes_path_ops', 'entities_name_trgm', 'entities_tenant_name', 'entities_tenant_created', 'entities_tenant_updated']));
  });

  it('refuses an applied migration whose SQL changed, and rolls back a failing one whole', async () => {
    const migrations = await readMigrationFiles();
    await expect(migrate(pool, [{ ...migrations[0]!, sql: `${migrations[0]!.sql}\n-- edited` }])).rejects.toThrow(/0001_entities was changed after it was applied/);
    await expect(migrate(pool, [...migrations, { name: '9999_broken', sql: 'CREATE TABLE half_done (id int); SELECT no_such_function();' }])).rejects.toThrow(/9999_broken failed and was rolled back/);
    const leftover = await pool.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(leftover.rowCount).toBe(0);
    expect((await pool.query("SELECT 1 FROM schema_migrations WHERE name = '9999_broken'")).rowCount).toBe(0);
  });
});
