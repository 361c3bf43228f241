import { LruCacheStore } from './LruCacheStore.ts';

/**
 * Locally every function's bundle runs in one serverless-offline process: they share one LRU (by a
 * process-global symbol), so a write or the invalidator consumer clears what the readers cached.
 */
export function sharedLruCacheStore(): LruCacheStore {
  const slot = Symbol.for('entity-platform.cache.lru');
  const holder = globalThis as unknown as Record<symbol, LruCacheStore | undefined>;
  return (holder[slot] ??= new LruCacheStore());
}
