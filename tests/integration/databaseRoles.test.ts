import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectEntityEvents } from '../../src/adapters/postgres/entityProjection.ts';
import { PostgresEntitySearch } from '../../src/adapters/postgres/PostgresEntitySearch.ts';
import { PostgresEntityStats } from '../../src/adapters/postgres/PostgresEntityStats.ts';
import { parseDatabaseConfig } from '../../src/config/databaseConfig.ts';
import { parseSearchQuery, parseStatsQuery } from '../../src/domain/readModelQueries.ts';
import { uniqueTenant } from '../support/api.ts';
import { changed, entityAt } from '../support/entityEvents.ts';

/**
 * Issue 18, item 6: the database roles the migrations create, against the machine's PostgreSQL
 * (this run's migrated database). Each purpose can do its work and nothing more; nobody but the
 * owner (the migrations) has DDL rights.
 */
const pools: pg.Pool[] = [];
const as = (user: string): pg.Pool => {
  const settings = parseDatabaseConfig({ DATABASE_URL: inject('databaseUrl'), DB_USER: user });
  const pool = new pg.Pool({ connectionString: settings.kind === 'url' ? settings.url : '', max: 1 });
  pools.push(pool);
  return pool;
};
const code = async (run: Promise<unknown>): Promise<string | undefined> => run.then(() => undefined, (error: { code?: string }) => error.code);
const INSUFFICIENT_PRIVILEGE = '42501';

let reader: pg.Pool;
let writer: pg.Pool;
const tenant = uniqueTenant('roles');

beforeAll(() => {
  reader = as('entity_reader');
  writer = as('entity_writer');
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

describe('database roles per purpose (migrations/0003_database_roles.sql)', () => {
  it('the writer projects and reconciles; it may not delete, change the schema or touch the migrations', async () => {
    const entity = entityAt(tenant, 1, { name: 'Role test', attributes: { colour: 'blue' } });
    await projectEntityEvents(writer, [changed(entity)]);
    await writer.query(`INSERT INTO reconciliation_state (name, position) VALUES ($1, '{}') ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position`, [`roles-${tenant}`]);
    expect(await code(writer.query('DELETE FROM entities WHERE tenant_id = $1', [tenant]))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(writer.query('CREATE TABLE writer_table (x int)'))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(writer.query('DROP TABLE entities'))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(writer.query('ALTER TABLE entities ADD COLUMN x int'))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(writer.query('TRUNCATE entities'))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(writer.query('SELECT * FROM schema_migrations'))).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it('the reader searches and counts; it may not write anything nor change the schema', async () => {
    const entity = entityAt(tenant, 1, { name: 'Readable', attributes: { colour: 'red' } });
    await projectEntityEvents(writer, [changed(entity)]);
    const page = await new PostgresEntitySearch(reader, 'roles-test-cursor-signing-key').search({ ...parseSearchQuery({ q: 'readable' }), tenantId: tenant });
    expect(page.items.map((e) => e.id)).toEqual([entity.id]);
    const counts = await new PostgresEntityStats(reader).countBy({ ...parseStatsQuery({ groupBy: 'attr.colour' }), tenantId: tenant });
    expect(counts.total).toBeGreaterThanOrEqual(1);
    expect(await code(projectEntityEvents(reader, [changed(entityAt(tenant, 1, { name: 'Nope' }))]))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(reader.query('UPDATE entities SET name = name WHERE tenant_id = $1', [tenant]))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(reader.query('DELETE FROM entities'))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(reader.query('CREATE TABLE reader_table (x int)'))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(reader.query('DROP TABLE entities'))).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await code(reader.query('SELECT * FROM reconciliation_state'))).toBe(INSUFFICIENT_PRIVILEGE);
  });
});
