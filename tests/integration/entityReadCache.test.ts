import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createDocumentClient } from '../../src/adapters/dynamodb/dynamoClient.ts';
import { DynamoEntityRepository } from '../../src/adapters/dynamodb/DynamoEntityRepository.ts';
import { CircuitBreaker } from '../../src/adapters/redis/circuitBreaker.ts';
import { LruCacheStore } from '../../src/local/LruCacheStore.ts';
import { RedisCacheStore } from '../../src/adapters/redis/RedisCacheStore.ts';
import { connectRedis } from '../../src/adapters/redis/redisConnection.ts';
import { withoutTenant, type Entity } from '../../src/domain/entity.ts';
import { cachedEntity, CacheInvalidatingRepository, encodeEntityEntry, EntityCacheInvalidator, EntityCacheKeys, EntityReadCache, startEntityPrefetch, type CacheObserver, type CacheTtls, type EntityRead } from '../../src/domain/entityReadCache.ts';
import type { CacheStore, EntityRepository } from '../../src/domain/ports.ts';
import { ensureTable, freePort, waitFor } from '../../scripts/lib/localStack.ts';
import { deleteKeysMatching } from '../../scripts/lib/redisKeys.ts';
import { redisServer } from '../support/redisServer.ts';

/** The machine's Redis (never stopped here); every key of this run lives under its own prefix. */
const SHARED_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test-${randomUUID().slice(0, 8)}:`;
const table = `cache-test-${randomUUID()}`;
let dynamo: DynamoEntityRepository;
/** The machine's Redis as a test looks at it (each store has a client of its own, as in a container). */
let shared: Redis;
const stores: RedisCacheStore[] = [];

/** The repository with every read counted (the "DynamoDB reads" of the stampede tests). */
function counting(inner: EntityRepository, delayMs = 0) {
  const counts = { get: 0, list: 0 };
  const repository: EntityRepository = {
    create: (e) => inner.create(e),
    createMany: (es) => inner.createMany(es),
    update: (n, p) => inner.update(n, p),
    delete: (c, at) => inner.delete(c, at),
    get: async (id) => {
      counts.get++;
      if (delayMs) await sleep(delayMs);
      return inner.get(id);
    },
    list: async (criteria) => {
      counts.list++;
      return inner.list(criteria);
    },
  };
  return { repository, counts };
}

function recorder(): CacheObserver & { hits: number; misses: number; errors: string[] } {
  const o = { hits: 0, misses: 0, errors: [] as string[], hit: () => void o.hits++, miss: () => void o.misses++, error: (op: string, e: unknown) => void o.errors.push(`${op}: ${(e as Error).message}`) };
  return o;
}

function entity(tenantId: string, overrides: Partial<Entity> = {}): Entity {
  const now = new Date().toISOString();
  return { id: randomUUID(), tenantId, name: `cached ${randomUUID().slice(0, 8)}`, attributes: { n: 1 }, visibility: 'private', version: 1, createdAt: now, updatedAt: now, ...overrides };
}

/** A store over a client of its own on the machine's Redis (closed after the run). */
async function redisStore(): Promise<RedisCacheStore> {
  const redis = await connectRedis({ url: SHARED_REDIS }, { connectTimeoutMs: 2_000, commandTimeoutMs: 500, onError: () => undefined });
  const store = new RedisCacheStore(redis, new CircuitBreaker({ failureThreshold: 3, openMs: 60_000 }));
  stores.push(store);
  return store;
}

/**
 * A read with the cached entity's JSON parsed back, after checking that the fields the cache
 * answers with beside it (what the response headers come from) are the entity's own.
 */
function parsed(read: EntityRead): { entity: Entity | undefined; cache: EntityRead['cache'] } {
  if (!read.entity) return { entity: undefined, cache: read.cache };
  const entity = JSON.parse(read.entity.json) as Entity;
  // The public view's JSON has no tenantId (issue 18); the header beside it keeps the owner for the view checks.
  expect(read.entity).toEqual(cachedEntity({ ...entity, tenantId: read.entity.tenantId }, read.entity.json));
  return { entity, cache: read.cache };
}

/** The cache under test (`cache`), and its reads as entities (`reads`: see parsed). */
function cacheOver(store: CacheStore, repository: EntityRepository, observer?: CacheObserver, ttls: Partial<CacheTtls> = {}) {
  const keys = new EntityCacheKeys(PREFIX);
  const cache = new EntityReadCache({ repository, store, keys, ttls, ...(observer && { observer }) });
  return {
    cache,
    reads: {
      get: async (...args: Parameters<EntityReadCache['get']>) => parsed(await cache.get(...args)),
      list: (...args: Parameters<EntityReadCache['list']>) => cache.list(...args),
    },
    writes: new CacheInvalidatingRepository(repository, new EntityCacheInvalidator(store, keys), (error) => { throw error; }),
    keys,
  };
}

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  await ensureTable(endpoint, table);
  dynamo = new DynamoEntityRepository({ client: createDocumentClient({ region: 'eu-west-1', endpoint }), tableName: table, cursorSigningKey: 'cache-test-signing-key' });
  shared = new Redis(SHARED_REDIS);
});

afterAll(async () => {
  for (const store of stores) store.close();
  await deleteKeysMatching(shared, `${PREFIX}*`);
  await shared.quit();
});

describe('the read-through cache against Redis', () => {
  it('misses, then hits; fills only the views the reader may see; versions its keys', async () => {
    const { repository, counts } = counting(dynamo);
    const observer = recorder();
    const { reads, writes, keys } = cacheOver(await redisStore(), repository, observer);
    const e = entity('acme', { visibility: 'private' });
    await writes.create(e);

    expect(await reads.get({ kind: 'tenant', tenantId: 'acme' }, e.id)).toEqual({ entity: e, cache: 'MISS' });
    expect(await reads.get({ kind: 'tenant', tenantId: 'acme' }, e.id)).toEqual({ entity: e, cache: 'HIT' });
    expect(counts.get).toBe(1);
    expect(observer).toMatchObject({ hits: 1, misses: 1, errors: [] });
    expect(keys.entity(e.id, 'public')).toMatch(new RegExp(`^${PREFIX}v3:entity:`));
    const pttl = await shared.pttl(keys.entity(e.id, 'tenant:acme'));
    expect(pttl).toBeGreaterThan(290_000);
    expect(pttl).toBeLessThanOrEqual(300_000);
    // A private entity never lands in the public view: anonymous callers get a 404 (cached as such).
    expect(await reads.get({ kind: 'public' }, e.id)).toEqual({ entity: undefined, cache: 'MISS' });
    // The public view's "no" is a header alone: no entity after it.
    expect(JSON.parse((await shared.get(keys.entity(e.id, 'public')))!)).toEqual({ s: 'v3', exp: expect.any(Number) });
    expect(await shared.pttl(keys.entity(e.id, 'public'))).toBeLessThanOrEqual(30_000);
    expect(await reads.get({ kind: 'public' }, e.id)).toEqual({ entity: undefined, cache: 'HIT' });
  });

  it('never shares a private entry between tenants or with anonymous callers', async () => {
    const { reads, writes, keys } = cacheOver(await redisStore(), counting(dynamo).repository);
    const secret = entity('tenant-a', { visibility: 'private' });
    await writes.create(secret);
    expect((await reads.get({ kind: 'public-and-tenant', tenantId: 'tenant-a' }, secret.id)).entity).toEqual(secret);
    // Tenant B's and the anonymous view say "no", whatever tenant A cached.
    expect(await reads.get({ kind: 'public-and-tenant', tenantId: 'tenant-b' }, secret.id)).toMatchObject({ entity: undefined });
    expect(await reads.get({ kind: 'public-and-tenant', tenantId: 'tenant-b' }, secret.id)).toEqual({ entity: undefined, cache: 'HIT' });
    expect(await reads.get({ kind: 'public' }, secret.id)).toMatchObject({ entity: undefined });
    expect(await shared.exists(keys.entity(secret.id, 'tenant:tenant-a'))).toBe(1);
    // A forged entry (another tenant's private entity in the public view) is refused, not served.
    await shared.set(keys.entity(secret.id, 'public'), encodeEntityEntry(Date.now() + 60_000, cachedEntity(secret)), 'PX', 60_000);
    expect(await reads.get({ kind: 'public' }, secret.id)).toEqual({ entity: undefined, cache: 'MISS' });
  });

  it('lets entries expire after their TTL', async () => {
    const { repository, counts } = counting(dynamo);
    const { reads, writes } = cacheOver(await redisStore(), repository, undefined, { entityMs: 300, negativeMs: 150 });
    const e = entity('ttl', { visibility: 'public' });
    await writes.create(e);
    expect((await reads.get({ kind: 'public' }, e.id)).cache).toBe('MISS');
    expect((await reads.get({ kind: 'public' }, e.id)).cache).toBe('HIT');
    const missing = randomUUID();
    await reads.get({ kind: 'public' }, missing);
    expect((await reads.get({ kind: 'public' }, missing)).cache).toBe('HIT');
    await sleep(350);
    expect((await reads.get({ kind: 'public' }, e.id)).cache).toBe('MISS');
    expect((await reads.get({ kind: 'public' }, missing)).cache).toBe('MISS');
    expect(counts.get).toBe(4);
  });

  it('invalidates on update, rename and delete, and never serves a version older than If-None-Match names', async () => {
    const { reads, writes } = cacheOver(await redisStore(), counting(dynamo).repository);
    const v1 = entity('inv', { visibility: 'public' });
    await writes.create(v1);
    await reads.get({ kind: 'public' }, v1.id);
    expect((await reads.list({ kind: 'public' }, { name: v1.name, limit: 20 })).page.items).toEqual([v1]);
    expect((await reads.list({ kind: 'public' }, { name: v1.name, limit: 20 })).cache).toBe('HIT');

    const v2 = { ...v1, name: `renamed ${randomUUID().slice(0, 8)}`, version: 2 };
    await writes.update(v2, v1);
    expect(await reads.get({ kind: 'public' }, v1.id)).toEqual({ entity: withoutTenant(v2), cache: 'MISS' });
    expect(await reads.list({ kind: 'public' }, { name: v1.name, limit: 20 })).toMatchObject({ page: { items: [] }, cache: 'MISS' });
    expect((await reads.list({ kind: 'public' }, { name: v2.name, limit: 20 })).page.items).toEqual([v2]);

    // A write that bypassed invalidation (another path) leaves a v2 entry: a client holding v3 is not served it.
    const v3 = { ...v2, attributes: { n: 3 }, version: 3 };
    await dynamo.update(v3, v2);
    expect((await reads.get({ kind: 'public' }, v1.id)).entity).toEqual(withoutTenant(v2));
    expect(await reads.get({ kind: 'public' }, v1.id, { atLeastVersion: 3 })).toEqual({ entity: withoutTenant(v3), cache: 'MISS' });
    expect(await reads.get({ kind: 'public' }, v1.id, { atLeastVersion: 3 })).toEqual({ entity: withoutTenant(v3), cache: 'HIT' });

    await writes.delete(v3, new Date().toISOString());
    expect(await reads.get({ kind: 'public' }, v1.id)).toEqual({ entity: undefined, cache: 'MISS' });
    expect((await reads.list({ kind: 'public' }, { name: v2.name, limit: 20 })).page.items).toEqual([]);
  });

  it('keeps name lookups apart per view: anonymous, each tenant', async () => {
    const { reads, writes } = cacheOver(await redisStore(), counting(dynamo).repository);
    const name = `shared name ${randomUUID().slice(0, 8)}`;
    const pub = entity('n-a', { name, visibility: 'public' });
    const priv = entity('n-b', { name, visibility: 'private' });
    await writes.create(pub);
    await writes.create(priv);
    const ids = async (scope: Parameters<EntityReadCache['list']>[0]) => (await reads.list(scope, { name, limit: 20 })).page.items.map((e) => e.id).sort();
    for (let round = 0; round < 2; round++) {
      expect(await ids({ kind: 'public' })).toEqual([pub.id]);
      expect(await ids({ kind: 'public-and-tenant', tenantId: 'n-b' })).toEqual([pub.id, priv.id].sort());
      expect(await ids({ kind: 'public-and-tenant', tenantId: 'n-c' })).toEqual([pub.id]);
    }
    // Tenant A's public entity goes private: every view of the name is dropped at once.
    await writes.update({ ...pub, visibility: 'private', version: 2 }, pub);
    expect(await ids({ kind: 'public-and-tenant', tenantId: 'n-c' })).toEqual([]);
    expect(await ids({ kind: 'public' })).toEqual([]);
  });

  it('makes one DynamoDB read for 100 concurrent misses in a container, and one across two containers', async () => {
    const e = entity('herd', { visibility: 'public' });
    await dynamo.create(e);
    const one = counting(dynamo, 20);
    const { reads } = cacheOver(await redisStore(), one.repository);
    const results = await Promise.all(Array.from({ length: 100 }, () => reads.get({ kind: 'public' }, e.id)));
    expect(results.every((r) => r.entity?.id === e.id)).toBe(true);
    expect(one.counts.get).toBe(1);

    const other = entity('herd', { visibility: 'public' });
    await dynamo.create(other);
    const a = counting(dynamo, 60);
    const b = counting(dynamo, 60);
    const containerA = cacheOver(await redisStore(), a.repository).reads;
    const containerB = cacheOver(await redisStore(), b.repository).reads;
    const [ra, rb] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, () => containerA.get({ kind: 'public' }, other.id))),
      sleep(5).then(() => Promise.all(Array.from({ length: 50 }, () => containerB.get({ kind: 'public' }, other.id)))),
    ]);
    expect([...ra, ...rb].every((r) => r.entity?.id === other.id)).toBe(true);
    expect(a.counts.get + b.counts.get).toBe(1);
  });

  it("shows the owner only to the owner's tenant (issue 18): the public view holds no tenantId, and the owner is never answered from it", async () => {
    const { reads, writes } = cacheOver(await redisStore(), counting(dynamo).repository);
    const e = entity('owner', { visibility: 'public' });
    await writes.create(e);
    expect(await reads.get({ kind: 'public' }, e.id)).toEqual({ entity: withoutTenant(e), cache: 'MISS' });
    expect(await reads.get({ kind: 'public' }, e.id)).toEqual({ entity: withoutTenant(e), cache: 'HIT' });
    // The public entry is there, the owner's is not: a miss, which fills the owner's view.
    expect(await reads.get({ kind: 'public-and-tenant', tenantId: 'owner' }, e.id)).toEqual({ entity: e, cache: 'MISS' });
    expect(await reads.get({ kind: 'public-and-tenant', tenantId: 'owner' }, e.id)).toEqual({ entity: e, cache: 'HIT' });
    // Another tenant is answered from the public view: without the owner.
    expect(await reads.get({ kind: 'public-and-tenant', tenantId: 'stranger' }, e.id)).toMatchObject({ entity: withoutTenant(e) });
  });

  it('treats garbage in the cache as a miss', async () => {
    const observer = recorder();
    const { reads, writes, keys } = cacheOver(await redisStore(), counting(dynamo).repository, observer);
    const e = entity('garbage', { visibility: 'public' });
    await writes.create(e);
    await shared.set(keys.entity(e.id, 'public'), '{not json', 'PX', 60_000);
    expect(await reads.get({ kind: 'public' }, e.id)).toEqual({ entity: withoutTenant(e), cache: 'MISS' });
    expect(observer.errors.some((m) => m.startsWith('decode'))).toBe(true);
  });

  it("answers a hit with the entity's JSON byte for byte as the miss sent it, whatever the attributes hold, and refuses entries laid out otherwise", async () => {
    const observer = recorder();
    const { cache, writes, keys } = cacheOver(await redisStore(), counting(dynamo).repository, observer);
    const e = entity('json', {
      visibility: 'public',
      name: 'Zoë "quoted" \\ back-slashed, ünïcödé ✓ 𝄞',
      attributes: { nested: { deep: [1, 2.5, -0.001, 1e15, true, null, 'line\nbreak\ttab\u0001'] }, emoji: '😀', empty: {}, list: [] },
    });
    await writes.create(e);
    const miss = await cache.get({ kind: 'public' }, e.id);
    const hit = await cache.get({ kind: 'public' }, e.id);
    expect(miss.cache).toBe('MISS');
    expect(hit).toEqual({ entity: miss.entity, cache: 'HIT' });
    // (DynamoDB keeps no member order in maps: the entity as read decides the bytes, not `e`.)
    expect(JSON.parse(hit.entity!.json)).toEqual(withoutTenant(e)); // an anonymous reader never learns the owner (issue 18)
    // The entry is the header line, then the JSON the response sends.
    const stored = (await shared.get(keys.entity(e.id, 'public')))!;
    expect(stored.slice(stored.indexOf('\n') + 1)).toBe(miss.entity!.json);
    expect(JSON.parse(stored.slice(0, stored.indexOf('\n')))).toEqual({ s: 'v3', exp: expect.any(Number), id: e.id, t: 'json', vis: 'public', v: 1 });

    // Refused (a miss, reported): the previous key schema's envelope, another entity's entry under
    // this key, a header without its entity, an entity that is not a JSON object.
    const exp = Date.now() + 60_000;
    const other = cachedEntity({ ...e, id: randomUUID() });
    for (const planted of [
      JSON.stringify({ s: 'v1', exp, e }),
      encodeEntityEntry(exp, other),
      encodeEntityEntry(exp, cachedEntity(e)).split('\n')[0]!,
      encodeEntityEntry(exp, { ...cachedEntity(e), json: '[1]' }),
    ]) {
      observer.errors.length = 0;
      await shared.set(keys.entity(e.id, 'public'), planted, 'PX', 60_000);
      expect((await cache.get({ kind: 'public' }, e.id)).cache, planted).toBe('MISS');
      expect(observer.errors, planted).toEqual([expect.stringMatching(/^decode: unreadable cache entry/)]);
    }
  });

  it('takes a read started ahead when it asked for the same keys, reports its failure as its own, and reads itself otherwise', async () => {
    const observer = recorder();
    let storeReads = 0;
    const redis = await redisStore();
    const store: CacheStore = Object.assign(Object.create(redis) as CacheStore, {
      get: (keys: readonly string[]) => {
        storeReads++;
        return redis.get(keys);
      },
    });
    const { cache, writes, keys } = cacheOver(store, counting(dynamo).repository, observer);
    const e = entity('ahead', { visibility: 'public' });
    await writes.create(e);
    await cache.get({ kind: 'public' }, e.id);

    storeReads = 0;
    const ahead = startEntityPrefetch(store, keys, { kind: 'public' }, e.id);
    expect(storeReads).toBe(1);
    expect(parsed(await cache.get({ kind: 'public' }, e.id, { ahead }))).toEqual({ entity: withoutTenant(e), cache: 'HIT' });
    expect(storeReads).toBe(1);

    // Started for another scope (the route found a token): not this read's keys, so it reads itself.
    storeReads = 0;
    const anonymous = startEntityPrefetch(store, keys, { kind: 'public' }, e.id);
    expect(parsed(await cache.get({ kind: 'public-and-tenant', tenantId: 'stranger' }, e.id, { ahead: anonymous }))).toEqual({ entity: withoutTenant(e), cache: 'HIT' });
    expect(storeReads).toBe(2);

    // A prefetch that failed is a miss answered from the table, reported by the read that took it.
    const failing: CacheStore = Object.assign(Object.create(redis) as CacheStore, {
      get: () => {
        throw new Error('connection reset');
      },
    });
    const broken = startEntityPrefetch(failing, keys, { kind: 'public' }, e.id);
    await new Promise((resolve) => setImmediate(resolve)); // nothing rejects unhandled meanwhile
    observer.errors.length = 0;
    expect(parsed(await cache.get({ kind: 'public' }, e.id, { ahead: broken }))).toEqual({ entity: withoutTenant(e), cache: 'MISS' });
    expect(observer.errors).toEqual(['get: connection reset']);
  });

  it('has the same TTL semantics in the in-process LRU', async () => {
    const { reads, writes } = cacheOver(new LruCacheStore(), counting(dynamo).repository, undefined, { entityMs: 200 });
    const e = entity('lru', { visibility: 'public' });
    await writes.create(e);
    expect((await reads.get({ kind: 'public' }, e.id)).cache).toBe('MISS');
    expect((await reads.get({ kind: 'public' }, e.id)).cache).toBe('HIT');
    await sleep(250);
    expect((await reads.get({ kind: 'public' }, e.id)).cache).toBe('MISS');
  });
});

describe('fail-open with a dedicated redis-server', () => {
  let server: ReturnType<typeof redisServer>;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    server = redisServer(port);
    await server.start();
  });
  afterAll(() => server.stop());

  it('answers every read from DynamoDB while Redis is down (the breaker opens), and hits again when it is back', async () => {
    const states: string[] = [];
    // As in production: no call timeout in the breaker, the client's command timeout bounds every call.
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 300, onStateChange: (s) => states.push(s) });
    const redis = await connectRedis({ url: `redis://127.0.0.1:${port}` }, { connectTimeoutMs: 500, commandTimeoutMs: 100, onError: () => undefined });
    const observer = recorder();
    const { repository, counts } = counting(dynamo);
    const store = new RedisCacheStore(redis, breaker);
    const { reads, writes } = cacheOver(store, repository, observer);
    const e = entity('failopen', { visibility: 'public' });
    await writes.create(e);
    await reads.get({ kind: 'public' }, e.id);
    expect((await reads.get({ kind: 'public' }, e.id)).cache).toBe('HIT');

    await server.stop();
    for (let i = 0; i < 30; i++) {
      const read = await reads.get({ kind: 'public' }, e.id);
      expect(read).toEqual({ entity: withoutTenant(e), cache: 'MISS' });
    }
    expect(states).toContain('open');
    expect(observer.errors.length).toBeGreaterThan(0);
    // Reads with the breaker open skip Redis (no timeout to wait for); their latency is not asserted: timings on a shared machine are noise.
    expect(counts.get).toBeGreaterThanOrEqual(30);

    await server.start();
    await waitFor('hits to resume', async () => {
      await reads.get({ kind: 'public' }, e.id);
      if ((await reads.get({ kind: 'public' }, e.id)).cache !== 'HIT') throw new Error('still missing');
    }, 15_000);
    expect(states.at(-1)).toBe('closed');
    store.close();
  });
});
