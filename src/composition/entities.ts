import { randomUUID } from 'node:crypto';
import { CacheInvalidatingRepository, EntityCacheInvalidator, EntityCacheKeys, EntityReadCache, startEntityPrefetch, type EntityPrefetch } from '../domain/entityReadCache.ts';
import type { ReadScope } from '../domain/principal.ts';
import { EntityService } from '../domain/entityService.ts';
import { cacheConfig, cacheObserver, cacheStore, cacheStoreBuilt, cacheTtls } from './cache.ts';
import { entityRepository } from './entityTable.ts';

export { auditRecorder, auditTrail } from './entityTable.ts';

/** Composition root, entity half: the table (./entityTable.ts) behind the read-through cache (./cache.ts). */
const cacheKeys = new EntityCacheKeys(cacheConfig.CACHE_KEY_PREFIX);

/** Deletes the entries a change affects (the write path and the invalidator consumer); needs no settings. */
export const entityCacheInvalidator = new EntityCacheInvalidator(cacheStore, cacheKeys);

/** The data API's read-through cache (Redis, or the in-process LRU locally); see src/domain/entityReadCache.ts. */
export const entityReadCache = /* @__PURE__ */ new EntityReadCache({ repository: entityRepository, store: cacheStore, keys: cacheKeys, ttls: cacheTtls, observer: cacheObserver });

/**
 * Starts the cache read of `entityReadCache.get(scope, id)` now, to pass to it (see
 * EntityPrefetch); nothing until the store is built: building it (the endpoint and the AUTH token
 * from SSM and Secrets Manager, the connection) belongs inside the invocation and its trace.
 */
export function prefetchEntity(scope: ReadScope, id: string): EntityPrefetch | undefined {
  return cacheStoreBuilt() ? startEntityPrefetch(cacheStore, cacheKeys, scope, id) : undefined;
}

/** Writes delete the cache entries they affect once they succeed (the invalidator consumer does it again on the event). */
export const entityService = /* @__PURE__ */ new EntityService({
  repository: /* @__PURE__ */ new CacheInvalidatingRepository(entityRepository, entityCacheInvalidator, (error) => cacheObserver.error('invalidate', error)),
  clock: { now: () => new Date() },
  ids: { newId: randomUUID },
});
