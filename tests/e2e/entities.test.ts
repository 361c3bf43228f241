import { createEntityPlatformClient, MERGE_PATCH_CONTENT_TYPE, type Entity, type Problem } from 'entity-platform/client';
import { describe, expect, inject, it } from 'vitest';
import { api, contractFetch, READ_WRITE, token, uniqueTenant } from '../support/api.ts';
import { expectProblem } from '../support/expectProblem.ts';

const SECURE = '/api/v1/secure/entities';
const DATA = '/api/v1/data/entities';

async function tenantToken(tenantId = uniqueTenant(), extra: { groups?: string[] } = {}) {
  return { tenantId, token: await token({ tenantId, scopes: READ_WRITE, ...extra }) };
}

describe('entity CRUD over HTTP (local stack, really signed tokens)', () => {
  it('creates, reads, replaces, patches and deletes an entity with ETags and versions (through the typed client)', async () => {
    const { tenantId, token: t } = await tenantToken();
    // The package's typed client (entity-platform/client), its responses checked against the document too.
    const client = createEntityPlatformClient({ baseUrl: inject('apiUrl'), token: t, fetch: contractFetch });

    const created = await client.POST('/api/v1/secure/entities', { body: { name: '  Blue Widget  ', attributes: { colour: 'blue', size: { h: 2 } } } });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const entity: Entity = created.data!;
    expect(entity).toMatchObject({ tenantId, name: 'Blue Widget', visibility: 'private', version: 1, attributes: { colour: 'blue', size: { h: 2 } } });
    expect(entity.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(entity.createdAt).toBe(entity.updatedAt);
    expect(created.response.headers.get('location')).toBe(`${SECURE}/${entity.id}`);
    expect(created.response.headers.get('etag')).toBe('"1"');
    expect(created.response.headers.get('x-correlation-id')).toBeTruthy();

    const path = { id: entity.id };
    const read = await client.GET('/api/v1/secure/entities/{id}', { params: { path } });
    expect(read.response.status).toBe(200);
    expect(read.data).toEqual(entity);

    const notModified = await client.GET('/api/v1/secure/entities/{id}', { params: { path, header: { 'If-None-Match': '"1"' } } });
    expect(notModified.response.status).toBe(304);
    expect(notModified.data).toBeUndefined();
    expect(notModified.response.headers.get('etag')).toBe('"1"');

    const replaced = await client.PUT('/api/v1/secure/entities/{id}', { params: { path, header: { 'If-Match': '"1"' } }, body: { name: 'Red Widget', attributes: { colour: 'red' }, visibility: 'public' } });
    expect(replaced.response.status, JSON.stringify(replaced.error)).toBe(200);
    expect(replaced.data).toMatchObject({ name: 'Red Widget', attributes: { colour: 'red' }, visibility: 'public', version: 2, createdAt: entity.createdAt });
    expect(replaced.response.headers.get('etag')).toBe('"2"');
    expect(replaced.data!.updatedAt > entity.updatedAt).toBe(true);

    const patched = await client.PATCH('/api/v1/secure/entities/{id}', {
      params: { path, header: { 'If-Match': '"2"' } },
      headers: { 'Content-Type': MERGE_PATCH_CONTENT_TYPE },
      body: { attributes: { colour: null, tags: ['a', 'b'] } },
    });
    expect(patched.response.status, JSON.stringify(patched.error)).toBe(200);
    expect(patched.data).toMatchObject({ name: 'Red Widget', attributes: { tags: ['a', 'b'] }, version: 3 });
    expect(patched.data!.attributes).not.toHaveProperty('colour');

    const stale = await client.PATCH('/api/v1/secure/entities/{id}', { params: { path, header: { 'If-Match': '"2"' } }, body: { name: 'Lost update' } });
    expect(stale.response.status).toBe(412);
    const problem: Problem | undefined = stale.error;
    expect(problem?.detail).toMatch(/version 3/);

    const staleDelete = await api('DELETE', `${SECURE}/${entity.id}`, { token: t, headers: { 'If-Match': '"1"' } });
    expectProblem(staleDelete, 412);

    const deleted = await client.DELETE('/api/v1/secure/entities/{id}', { params: { path, header: { 'If-Match': '"3"' } } });
    expect(deleted.response.status).toBe(204);
    expectProblem(await api('GET', `${SECURE}/${entity.id}`, { token: t }), 404);
    expectProblem(await api('DELETE', `${SECURE}/${entity.id}`, { token: t }), 404);
  });

  it('serves public entities to anonymous callers and private ones only to their tenant', async () => {
    const owner = await tenantToken();
    const other = await tenantToken();
    const name = `shared-${uniqueTenant()}`;
    const pub = (await api('POST', SECURE, { token: owner.token, body: { name, visibility: 'public', attributes: { kind: 'pub' } } })).body;
    const priv = (await api('POST', SECURE, { token: owner.token, body: { name: `${name}-private` } })).body;

    // Nobody but the owner's tenant learns the owner of a public entity (issue 18: no tenant enumeration).
    const anonymous = await api('GET', `${DATA}/${pub.id}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).not.toHaveProperty('tenantId');
    expect(anonymous.body).toMatchObject({ id: pub.id, name, attributes: { kind: 'pub' } });
    expectProblem(await api('GET', `${DATA}/${priv.id}`), 404);
    expect((await api('GET', `${DATA}/${priv.id}`, { token: owner.token })).body.tenantId).toBe(owner.tenantId);
    expect((await api('GET', `${DATA}/${pub.id}`, { token: owner.token })).body.tenantId).toBe(owner.tenantId);
    // Another tenant: the public one is visible on the data API (without its owner), the private one does not exist.
    const foreign = await api('GET', `${DATA}/${pub.id}`, { token: other.token });
    expect(foreign.status).toBe(200);
    expect(foreign.body).not.toHaveProperty('tenantId');
    expectProblem(await api('GET', `${DATA}/${priv.id}`, { token: other.token }), 404);
    // The secure API is the tenant's own: another tenant's entities are 404 there, public or not.
    expectProblem(await api('GET', `${SECURE}/${pub.id}`, { token: other.token }), 404);

    const anonymousByName = await api('GET', `${DATA}?name=${encodeURIComponent(name.toUpperCase())}`);
    expect(anonymousByName.status).toBe(200);
    expect(anonymousByName.body.items.map((e: { id: string }) => e.id)).toEqual([pub.id]);
    expect(anonymousByName.body.items[0]).not.toHaveProperty('tenantId');
    const anonymousListing = await api('GET', `${DATA}?limit=100`);
    for (const item of anonymousListing.body.items) expect(item).not.toHaveProperty('tenantId');
    const otherByName = await api('GET', `${DATA}?name=${encodeURIComponent(name)}`, { token: other.token });
    expect(otherByName.body.items).toEqual([expect.not.objectContaining({ tenantId: expect.anything() })]);
    const privateByName = await api('GET', `${DATA}?name=${encodeURIComponent(`${name}-private`)}`);
    expect(privateByName.body).toEqual({ items: [], nextCursor: null });
    const ownerByName = await api('GET', `${DATA}?name=${encodeURIComponent(`${name}-private`)}`, { token: owner.token });
    expect(ownerByName.body.items.map((e: { id: string }) => e.id)).toEqual([priv.id]);
  });

  it('blocks cross-tenant writes with 404, for admins too', async () => {
    const owner = await tenantToken();
    const intruder = await tenantToken(uniqueTenant('intruder'), { groups: ['admin'] });
    const entity = (await api('POST', SECURE, { token: owner.token, body: { name: 'Guarded', visibility: 'public' } })).body;

    expectProblem(await api('PUT', `${SECURE}/${entity.id}`, { token: intruder.token, body: { name: 'Hijacked' } }), 404);
    expectProblem(await api('PATCH', `${SECURE}/${entity.id}`, { token: intruder.token, body: { name: 'Hijacked' } }), 404);
    expectProblem(await api('DELETE', `${SECURE}/${entity.id}`, { token: intruder.token }), 404);
    const after = await api('GET', `${SECURE}/${entity.id}`, { token: owner.token });
    expect(after.body).toMatchObject({ name: 'Guarded', version: 1 });
  });

  it('pages through a tenant listing with an opaque cursor, in a stable order', async () => {
    const { token: t } = await tenantToken();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await api('POST', SECURE, { token: t, body: { name: `item ${i}` } })).body.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${encodeURIComponent(cursor)}` : '?limit=3';
      const page = await api('GET', `${SECURE}${query}`, { token: t });
      expect(page.status, page.text).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(ids);

    const first = await api('GET', `${SECURE}?limit=3`, { token: t });
    const issued: string = first.body.nextCursor;
    const tampered = `${issued.slice(0, 5)}${issued[5] === 'A' ? 'B' : 'A'}${issued.slice(6)}`; // one character of the payload changed
    expect(expectProblem(await api('GET', `${SECURE}?cursor=${encodeURIComponent(tampered)}`, { token: t }), 400).errors?.[0]?.path).toBe('/cursor');
    // A cursor is bound to its query: another tenant cannot replay it.
    const other = await tenantToken();
    expectProblem(await api('GET', `${SECURE}?cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: other.token }), 400);
  });

  it('lists with the default page size of 20 and rejects limits outside 1–100', async () => {
    const { token: t } = await tenantToken();
    await Promise.all(Array.from({ length: 21 }, (_, i) => api('POST', SECURE, { token: t, body: { name: `bulk ${i}` } })));
    const page = await api('GET', SECURE, { token: t });
    expect(page.body.items).toHaveLength(20);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    for (const limit of ['0', '101', 'ten', '2.5']) {
      const bad = expectProblem(await api('GET', `${SECURE}?limit=${limit}`, { token: t }), 400);
      expect(bad.errors?.[0]?.path).toBe('/limit');
    }
  });
});
