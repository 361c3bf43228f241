import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, READ_WRITE, token, uniqueTenant } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { expectProblem } from '../support/expectProblem.ts';
import { withoutTenant } from '../../src/domain/entity.ts';
import { ENTITY_EVENT_SOURCE, entityChanged } from '../../src/domain/entityEvents.ts';
import { cachedEntity, encodeEntityEntry, EntityCacheKeys } from '../../src/domain/entityReadCache.ts';

const SECURE = '/api/v1/secure/entities';
const DATA = '/api/v1/data/entities';
let redis: Redis;
let keys: EntityCacheKeys;

/** Polls a yes/no condition until it holds (or 15 s pass). */
const until = (check: () => Promise<boolean>): Promise<boolean> => eventually(check, (ok) => ok, 15_000);

/**
 * Waits until an entity's latest change has been through the event pipeline, including the cache
 * invalidator (which would otherwise delete entries a test has just filled or planted).
 */
async function eventsSettled(token: string, id: string, version: number): Promise<void> {
  const recorded = await until(async () => {
    const history = await api('GET', `${SECURE}/${id}/history?limit=1`, { token });
    return history.status === 200 && history.body.items[0]?.version === version;
  });
  expect(recorded, `event ${id}#${version} recorded`).toBe(true);
  const queues = `${inject('eventBusEndpoint')}/queues`;
  expect(await until(async () => ((await (await fetch(queues)).json()) as Record<string, number>)['CacheInvalidationQueue'] === 0)).toBe(true);
}

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  keys = new EntityCacheKeys(inject('cacheKeyPrefix'));
});
afterAll(() => redis.quit());

describe('the read-through cache over HTTP (serverless-offline with Redis)', () => {
  it('answers MISS then HIT on /data, and reflects writes through the API at once', async () => {
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    const created = (await api('POST', SECURE, { token: t, body: { name: `cached ${randomUUID()}`, visibility: 'public' } })).body;
    await eventsSettled(t, created.id, 1);
    const first = await api('GET', `${DATA}/${created.id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const second = await api('GET', `${DATA}/${created.id}`);
    expect(second.headers.get('x-cache')).toBe('HIT');
    const anonymousView = withoutTenant(created);
    expect(second.body).toEqual(anonymousView); // anonymous callers never learn the owner (issue 18)
    // A hit sends the entry's JSON as stored: the same bytes as the miss serialised.
    expect(second.text).toBe(first.text);
    expect(await redis.exists(keys.entity(created.id, 'public'))).toBe(1);

    const byName = () => api('GET', `${DATA}?name=${encodeURIComponent(created.name)}`);
    expect((await byName()).headers.get('x-cache')).toBe('MISS');
    expect((await byName()).headers.get('x-cache')).toBe('HIT');

    const patched = (await api('PATCH', `${SECURE}/${created.id}`, { token: t, body: { attributes: { colour: 'red' } } })).body;
    // The write path invalidated at once: the next read already sees version 2.
    const afterPatch = await api('GET', `${DATA}/${created.id}`);
    const patchedView = withoutTenant(patched);
    expect(afterPatch.body).toEqual(patchedView);
    expect(afterPatch.headers.get('etag')).toBe('"2"');
    expect((await byName()).body.items).toEqual([patchedView]);
    // The owner's token on /data: its own entity with the owner, from the cache too.
    expect((await api('GET', `${DATA}/${created.id}`, { token: t })).body).toEqual(patched);

    // If-None-Match with the current version: 304 from the cache.
    const notModified = await api('GET', `${DATA}/${created.id}`, { headers: { 'If-None-Match': '"2"' } });
    expect(notModified.status).toBe(304);

    await api('DELETE', `${SECURE}/${created.id}`, { token: t });
    expectProblem(await api('GET', `${DATA}/${created.id}`), 404);
    expect((await byName()).body.items).toEqual([]);
  });

  it('never serves a private entity to an anonymous caller or another tenant', async () => {
    const owner = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    const stranger = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    const secret = (await api('POST', SECURE, { token: owner, body: { name: `secret ${randomUUID()}` } })).body;
    for (let i = 0; i < 2; i++) {
      expect((await api('GET', `${DATA}/${secret.id}`, { token: owner })).status).toBe(200);
      expectProblem(await api('GET', `${DATA}/${secret.id}`), 404);
      expectProblem(await api('GET', `${DATA}/${secret.id}`, { token: stranger }), 404);
      expect((await api('GET', `${DATA}?name=${encodeURIComponent(secret.name)}`)).body.items).toEqual([]);
      expect((await api('GET', `${DATA}?name=${encodeURIComponent(secret.name)}`, { token: stranger })).body.items).toEqual([]);
    }
  });

  it('the invalidator consumer deletes the entries on every entity event, whatever path wrote it', async () => {
    const t = await token({ tenantId: uniqueTenant(), scopes: READ_WRITE });
    const created = (await api('POST', SECURE, { token: t, body: { name: `evented ${randomUUID()}`, visibility: 'public' } })).body;
    // Let the create's own event pass through the invalidator first, or it could delete the planted entry below.
    await eventsSettled(t, created.id, 1);
    await api('GET', `${DATA}/${created.id}`);
    // A stale entry the API never wrote (as after a write by another path, e.g. a bulk job).
    const key = keys.entity(created.id, 'public');
    const nameKey = keys.name(created.name);
    await redis.set(key, encodeEntityEntry(Date.now() + 300_000, cachedEntity({ ...created, attributes: { stale: true } })), 'PX', 300_000);
    await redis.hset(nameKey, 'public|20', 'planted');
    expect((await api('GET', `${DATA}/${created.id}`)).body.attributes).toEqual({ stale: true });
    const event = entityChanged('EntityUpdated', created, null);
    const bus = new EventBridgeClient({ endpoint: inject('eventBusEndpoint'), region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await bus.send(new PutEventsCommand({ Entries: [{ EventBusName: 'entity-platform-local-events', Source: ENTITY_EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event) }] }));
    bus.destroy();
    expect(await until(async () => (await redis.exists(key, nameKey)) === 0)).toBe(true);
    const anonymousView = withoutTenant(created);
    expect((await api('GET', `${DATA}/${created.id}`)).body).toEqual(anonymousView);
  });
});
