import type { Redis } from 'ioredis';
import type { CacheStore } from '../../domain/ports.ts';
import type { CircuitBreaker } from './circuitBreaker.ts';

/**
 * The cache port over Redis/Valkey (ioredis). Every call goes through the circuit breaker, so a
 * dead or slow server fails fast; callers treat a failure as a miss. Writes are pipelined: one
 * round trip for a fill, a hash field and its key's expiry, or a set of deletes.
 */
export class RedisCacheStore implements CacheStore {
  private readonly redis: Redis;
  private readonly breaker: CircuitBreaker;

  constructor(redis: Redis, breaker: CircuitBreaker) {
    this.redis = redis;
    this.breaker = breaker;
  }

  async get(keys: readonly string[]): Promise<(string | undefined)[]> {
    const values = await this.breaker.run(() => this.redis.mget(...keys));
    return values.map((v) => v ?? undefined);
  }

  set(entries: readonly { key: string; value: string; ttlMs: number }[]): Promise<void> {
    return this.breaker.run(async () => {
      const pipeline = this.redis.pipeline();
      for (const { key, value, ttlMs } of entries) pipeline.set(key, value, 'PX', ttlMs);
      failOnError(await pipeline.exec());
    });
  }

  async getField(key: string, field: string): Promise<string | undefined> {
    return (await this.breaker.run(() => this.redis.hget(key, field))) ?? undefined;
  }

  setField(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    return this.breaker.run(async () => failOnError(await this.redis.multi().hset(key, field, value).pexpire(key, ttlMs).exec()));
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.breaker.run(async () => {
      if (keys.length > 0) await this.redis.del(...keys);
    });
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    return (await this.breaker.run(() => this.redis.set(key, '1', 'PX', ttlMs, 'NX'))) === 'OK';
  }
}

function failOnError(results: [Error | null, unknown][] | null): void {
  if (results === null) throw new Error('transaction aborted');
  const failure = results.find(([error]) => error !== null);
  if (failure) throw failure[0]!;
}
