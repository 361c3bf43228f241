import { Lru } from '../identity/lru.ts';
import type { CacheStore } from '../domain/ports.ts';

type Slot = { expiresAt: number; value: string } | { expiresAt: number; fields: Map<string, string> };

/**
 * The cache port in process memory, for the local stack without Redis: the same TTL semantics
 * (plain keys expire after their TTL; a hash key `ttlMs` after its last field write), least
 * recently used keys evicted beyond `maxKeys`. One container's memory: nothing is shared.
 */
export class LruCacheStore implements CacheStore {
  private readonly slots: Lru<Slot>;
  private readonly now: () => number;

  constructor(options: { maxKeys?: number; now?: () => number } = {}) {
    this.slots = new Lru(options.maxKeys ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  get(keys: readonly string[]): Promise<(string | undefined)[]> {
    return Promise.resolve(keys.map((key) => {
      const slot = this.touch(key);
      return slot && 'value' in slot ? slot.value : undefined;
    }));
  }

  set(entries: readonly { key: string; value: string; ttlMs: number }[]): Promise<void> {
    for (const { key, value, ttlMs } of entries) this.slots.set(key, { expiresAt: this.now() + ttlMs, value });
    return Promise.resolve();
  }

  getField(key: string, field: string): Promise<string | undefined> {
    const slot = this.touch(key);
    return Promise.resolve(slot && 'fields' in slot ? slot.fields.get(field) : undefined);
  }

  setField(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    const slot = this.touch(key);
    const fields = slot && 'fields' in slot ? slot.fields : new Map<string, string>();
    fields.set(field, value);
    this.slots.set(key, { expiresAt: this.now() + ttlMs, fields });
    return Promise.resolve();
  }

  delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.slots.delete(key);
    return Promise.resolve();
  }

  tryLock(key: string, ttlMs: number): Promise<boolean> {
    if (this.touch(key)) return Promise.resolve(false);
    this.slots.set(key, { expiresAt: this.now() + ttlMs, value: '1' });
    return Promise.resolve(true);
  }

  get size(): number {
    return this.slots.size;
  }

  /** The live slot (moved to most recently used), or undefined; an expired slot is dropped. */
  private touch(key: string): Slot | undefined {
    const slot = this.slots.get(key);
    if (!slot || slot.expiresAt > this.now()) return slot;
    this.slots.delete(key);
    return undefined;
  }
}
