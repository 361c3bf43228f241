import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectEntityEvents } from '../../src/adapters/postgres/entityProjection.ts';
import { entityChanged } from '../../src/domain/entityEvents.ts';
import { api, READ_WRITE, token, uniqueTenant } from '../support/api.ts';
import { expectProblem } from '../support/expectProblem.ts';

const SECURE = '/api/v1/secure/entities';
let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
});
afterAll(() => pool.end());

/** Creates entities through the API and projects them (the event pipeline is not part of this test). */
async function seed(t: string, bodies: object[]) {
  const created = [];
  for (const body of bodies) {
    const response = await api('POST', SECURE, { token: t, body });
    expect(response.status, response.text).toBe(201);
    created.push(response.body);
  }
  await projectEntityEvents(pool, created.map((e) => entityChanged('EntityCreated', e, null)));
  return created;
}

describe('search and stats over HTTP (serverless-offline, the read model in PostgreSQL)', () => {
  it('searches and counts within the caller tenant, items shaped like the entity API', async () => {
    const tenantId = uniqueTenant('rm');
    const t = await token({ tenantId, scopes: READ_WRITE });
    const created = await seed(t, [
      { name: 'Blue widget', attributes: { colour: 'blue', size: { h: 2 } } },
      { name: 'Blue whale', attributes: { colour: 'blue' } },
      { name: 'Red widget', attributes: { colour: 'red' } },
    ]);
    const otherTenant = await token({ tenantId: uniqueTenant('rm-other'), scopes: READ_WRITE });
    await seed(otherTenant, [{ name: 'Blue foreign', attributes: { colour: 'blue' } }]);

    const found = await api('GET', `${SECURE}/search?q=blue&attr.colour=blue&limit=1`, { token: t });
    expect(found.status, found.text).toBe(200);
    expect(found.body.items).toEqual([created[1]]);
    expect(found.body.nextCursor).toEqual(expect.any(String));
    expect(found.body.readModel.newestUpdatedAt).toBe(created[2].updatedAt);
    expect(found.headers.get('x-correlation-id')).toBeTruthy();
    const next = await api('GET', `${SECURE}/search?q=blue&attr.colour=blue&limit=1&cursor=${encodeURIComponent(found.body.nextCursor)}`, { token: t });
    expect(next.body).toMatchObject({ items: [created[0]], nextCursor: null });
    expect((await api('GET', `${SECURE}/search?attr.size.h=2`, { token: t })).body.items).toEqual([created[0]]);

    const stats = await api('GET', `${SECURE}/stats?groupBy=attr.colour`, { token: t });
    expect(stats.status, stats.text).toBe(200);
    expect(stats.body).toMatchObject({ groupBy: 'attr.colour', total: 3, distinctValues: 2, buckets: [{ value: 'blue', count: 2 }, { value: 'red', count: 1 }], readModel: { newestUpdatedAt: created[2].updatedAt } });
  });

  it('routes /search and /stats to their own handlers (static siblings of {id}), whose UUID check still holds', async () => {
    const t = await token({ tenantId: uniqueTenant('rm'), scopes: READ_WRITE });
    expect((await api('GET', `${SECURE}/search`, { token: t })).body).toMatchObject({ items: [], nextCursor: null, readModel: { newestUpdatedAt: null } });
    expectProblem(await api('GET', `${SECURE}/stats`, { token: t }), 400);
    expect(expectProblem(await api('GET', `${SECURE}/not-a-uuid`, { token: t }), 400).errors?.[0]?.message).toMatch(/UUID/);
    const notAllowed = await api('POST', `${SECURE}/search`, { token: t, body: {} });
    expectProblem(notAllowed, 405);
    expect(notAllowed.headers.get('allow')).toBe('GET');
  });

  it('needs a token with entities/read and validates every parameter', async () => {
    const tenantId = uniqueTenant('rm');
    expectProblem(await api('GET', `${SECURE}/search?q=x`), 401); // the authorizer: the gateway response, locally too
    const writeOnly = await token({ tenantId, scopes: ['entities/write'] });
    expectProblem(await api('GET', `${SECURE}/stats?groupBy=attr.colour`, { token: writeOnly }), 403);
    const t = await token({ tenantId, scopes: ['entities/read'] });
    const invalid = expectProblem(await api('GET', `${SECURE}/search?limit=500&sort=size&tenantId=other&attr.a%20b=1`, { token: t }), 400);
    expect(invalid.errors?.map((e) => e.path).sort()).toEqual(['/attr.a b', '/limit', '/sort', '/tenantId']);
    expectProblem(await api('GET', `${SECURE}/stats?groupBy=name`, { token: t }), 400);
    expectProblem(await api('GET', `${SECURE}/search?cursor=forged.cursor`, { token: t }), 400);
  });
});

describe('the whole flow: HTTP → DynamoDB → stream → publisher → EventBridge → queue → projector → PostgreSQL', () => {
  it('after 100 creates, updates and deletes through the API, PostgreSQL matches DynamoDB exactly', async () => {
    const tenantId = uniqueTenant('flow');
    const t = await token({ tenantId, scopes: READ_WRITE });
    const created: { id: string; name: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const response = await api('POST', SECURE, { token: t, body: { name: `flow ${i}`, attributes: { i, parity: i % 2 ? 'odd' : 'even' }, visibility: i % 3 ? 'private' : 'public' } });
      expect(response.status, response.text).toBe(201);
      created.push(response.body);
    }
    // Every third entity changes (twice for some), every fifth is deleted.
    for (const [i, e] of created.entries()) {
      if (i % 3 === 0) await api('PATCH', `${SECURE}/${e.id}`, { token: t, body: { attributes: { i: null, patched: true } } });
      if (i % 6 === 0) await api('PUT', `${SECURE}/${e.id}`, { token: t, body: { name: `renamed ${i}`, attributes: { final: i } } });
      if (i % 5 === 0) expect((await api('DELETE', `${SECURE}/${e.id}`, { token: t })).status).toBe(204);
    }

    // The source of truth, through the API.
    const expected = new Map<string, any>();
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page: any = await api('GET', `${SECURE}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: t });
      for (const e of page.body.items) expected.set(e.id, e);
      cursor = page.body.nextCursor;
    }
    expect(expected.size).toBe(80);

    const snapshot = async () =>
      (
        await pool.query(
          `SELECT id, name, attributes, visibility, version, deleted_at, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
                  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
             FROM entities WHERE tenant_id = $1`,
          [tenantId],
        )
      ).rows;
    const matches = (rows: any[]) => {
      const live = rows.filter((r) => r.deleted_at === null);
      const deleted = rows.filter((r) => r.deleted_at !== null);
      return live.length === expected.size && deleted.length === 20 && live.every((r) => expected.get(r.id)?.version === r.version);
    };
    const deadline = Date.now() + 30_000;
    let rows = await snapshot();
    while (!matches(rows) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      rows = await snapshot();
    }
    const live = rows.filter((r) => r.deleted_at === null).map((r) => ({
      id: r.id, tenantId, name: r.name, attributes: r.attributes, visibility: r.visibility, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
    }));
    expect(live.sort((a, b) => a.id.localeCompare(b.id))).toEqual([...expected.values()].sort((a, b) => a.id.localeCompare(b.id)));
    const deletedIds = rows.filter((r) => r.deleted_at !== null).map((r) => r.id).sort();
    expect(deletedIds).toEqual(created.filter((_, i) => i % 5 === 0).map((e) => e.id).sort());
  }, 120_000);

  it('makes a write visible in search within 2 s', async () => {
    const tenantId = uniqueTenant('fresh');
    const t = await token({ tenantId, scopes: READ_WRITE });
    const name = `freshness probe ${Date.now()}`;
    const started = Date.now();
    expect((await api('POST', SECURE, { token: t, body: { name } })).status).toBe(201);
    let found = 0;
    while (found === 0 && Date.now() - started < 2000) {
      found = (await api('GET', `${SECURE}/search?q=${encodeURIComponent('freshness probe')}`, { token: t })).body.items.length;
      if (found === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(found, `not searchable ${Date.now() - started} ms after the write`).toBe(1);
  });
});
