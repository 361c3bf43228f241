import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectEntityEvents } from '../../src/adapters/postgres/entityProjection.ts';
import { PostgresEntitySearch } from '../../src/adapters/postgres/PostgresEntitySearch.ts';
import { PostgresEntityStats } from '../../src/adapters/postgres/PostgresEntityStats.ts';
import { ValidationError } from '../../src/domain/errors.ts';
import { parseSearchQuery, parseStatsQuery } from '../../src/domain/readModelQueries.ts';
import { uniqueTenant } from '../support/api.ts';
import { changed, deleted, entityAt } from '../support/entityEvents.ts';

let pool: pg.Pool;
let search: PostgresEntitySearch;
let stats: PostgresEntityStats;
const tenant = uniqueTenant('search');
const other = uniqueTenant('search-other');
const seeded = [
  entityAt(tenant, 1, { name: 'Blue widget', attributes: { colour: 'blue', size: { h: 2 }, tags: ['new', 'sale'] }, createdAt: '2025-01-01T00:00:01.000Z' }),
  entityAt(tenant, 1, { name: 'Blue whale', attributes: { colour: 'blue', size: { h: 30 } }, createdAt: '2025-01-01T00:00:02.000Z' }),
  entityAt(tenant, 1, { name: 'Red widget', attributes: { colour: 'red', tags: ['sale'] }, createdAt: '2025-01-01T00:00:03.000Z' }),
  entityAt(tenant, 1, { name: '100% cotton_shirt', attributes: { colour: 'red', code: '42' }, createdAt: '2025-01-01T00:00:04.000Z' }),
  entityAt(tenant, 1, { name: 'Plain thing', attributes: {}, createdAt: '2025-01-01T00:00:05.000Z' }),
];
const gone = entityAt(tenant, 1, { name: 'Blue ghost', attributes: { colour: 'blue' } });
const foreign = entityAt(other, 1, { name: 'Blue foreign', attributes: { colour: 'blue' } });

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
  search = new PostgresEntitySearch(pool, 'test-cursor-signing-key-0123456789');
  stats = new PostgresEntityStats(pool);
  await projectEntityEvents(pool, [...seeded, gone, foreign].map(changed));
  await projectEntityEvents(pool, [deleted(gone)]);
});
afterAll(() => pool.end());

const find = (params: Record<string, string>, tenantId = tenant) => search.search({ ...parseSearchQuery(params), tenantId });
const names = (page: { items: readonly { name: string }[] }) => page.items.map((e) => e.name);

describe('read-model search (real PostgreSQL)', () => {
  it('matches name text case-insensitively, within the tenant, live entities only, shaped like the API entity', async () => {
    const page = await find({ q: 'BLUE' });
    expect(names(page)).toEqual(['Blue whale', 'Blue widget']);
    expect(page.items[1]).toEqual(seeded[0]);
    expect(page.nextCursor).toBeNull();
    expect(page.readModel.newestUpdatedAt).toBe(deleted(gone).type === 'EntityDeleted' ? (deleted(gone) as { tombstone: { deletedAt: string } }).tombstone.deletedAt : null);
    expect(names(await find({ q: 'blue' }, other))).toEqual(['Blue foreign']);
  });

  it('treats LIKE wildcards in q as text', async () => {
    expect(names(await find({ q: '100%' }))).toEqual(['100% cotton_shirt']);
    expect(names(await find({ q: '_' }))).toEqual(['100% cotton_shirt']);
    expect(names(await find({ q: '%' }))).toEqual(['100% cotton_shirt']);
  });

  it('filters by attribute containment: nested paths, typed values, array members, combined with q', async () => {
    expect(names(await find({ 'attr.colour': 'blue' }))).toEqual(['Blue whale', 'Blue widget']);
    expect(names(await find({ 'attr.size.h': '30' }))).toEqual(['Blue whale']);
    expect(names(await find({ 'attr.size.h': '"30"' }))).toEqual([]);
    expect(names(await find({ 'attr.code': '42' }))).toEqual([]); // 42 is a number; the attribute is the string "42"
    expect(names(await find({ 'attr.code': '"42"' }))).toEqual(['100% cotton_shirt']);
    expect(names(await find({ 'attr.tags': 'sale' }))).toEqual(['Blue widget', 'Red widget']);
    expect(names(await find({ 'attr.tags': 'sale', 'attr.colour': 'red', 'q': 'widget' }))).toEqual(['Red widget']);
    expect(names(await find({ 'attr.colour': "blue' OR 1=1 --" }))).toEqual([]);
  });

  it('pages with signed cursors in each sort order, and refuses a cursor of another query', async () => {
    for (const [sort, expected] of [
      ['name', ['100% cotton_shirt', 'Blue whale', 'Blue widget', 'Plain thing', 'Red widget']],
      ['-name', ['Red widget', 'Plain thing', 'Blue widget', 'Blue whale', '100% cotton_shirt']],
      ['createdAt', seeded.map((e) => e.name)],
      ['-createdAt', seeded.map((e) => e.name).reverse()],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await find({ sort, limit: '2', ...(cursor && { cursor }) });
        seen.push(...names(page));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen, sort).toEqual(expected);
    }
    const first = await find({ limit: '1' });
    await expect(find({ limit: '1', q: 'x', cursor: first.nextCursor! })).rejects.toBeInstanceOf(ValidationError);
    await expect(find({ limit: '1', cursor: first.nextCursor! }, other)).rejects.toBeInstanceOf(ValidationError);
    await expect(find({ cursor: `${first.nextCursor!}x` })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('read-model stats (real PostgreSQL)', () => {
  it('counts live entities per attribute value, largest first, entities without it under null', async () => {
    const result = await stats.countBy({ ...parseStatsQuery({ groupBy: 'attr.colour' }), tenantId: tenant });
    expect(result).toMatchObject({ total: 5, distinctValues: 3, buckets: [{ value: 'blue', count: 2 }, { value: 'red', count: 2 }, { value: null, count: 1 }] });
    expect(result.readModel.newestUpdatedAt).toEqual(expect.any(String));
    const nested = await stats.countBy({ ...parseStatsQuery({ groupBy: 'attr.size.h', limit: '1' }), tenantId: tenant });
    expect(nested).toMatchObject({ total: 5, distinctValues: 3, buckets: [{ value: null, count: 3 }] });
    const foreignStats = await stats.countBy({ ...parseStatsQuery({ groupBy: 'attr.colour' }), tenantId: other });
    expect(foreignStats).toMatchObject({ total: 1, buckets: [{ value: 'blue', count: 1 }] });
    const empty = await stats.countBy({ ...parseStatsQuery({ groupBy: 'attr.colour' }), tenantId: uniqueTenant('none') });
    expect(empty).toEqual({ total: 0, distinctValues: 0, buckets: [], readModel: { newestUpdatedAt: null } });
  });
});
