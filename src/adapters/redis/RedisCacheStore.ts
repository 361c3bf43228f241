import type { CacheStore } from '../../domain/ports.ts';
import type { CircuitBreaker } from './circuitBreaker.ts';
import { RedisReplyError, type RedisClient, type RedisReply } from './redisClient.ts';

/**
 * The cache port over Redis/Valkey (our RESP client, ./redisClient.ts). Every call goes through
 * the circuit breaker, so a dead or slow server fails fast; callers treat a failure as a miss.
 * Writes go out in one round trip: a fill's SETs pipelined, a hash field and its key's expiry in
 * one MULTI/EXEC (atomic: no field without an expiry), a set of deletes in one DEL.
 */
export class RedisCacheStore implements CacheStore {
  private readonly redis: RedisClient;
  private readonly breaker: CircuitBreaker;

  constructor(redis: RedisClient, breaker: CircuitBreaker) {
    this.redis = redis;
    this.breaker = breaker;
  }

  async get(keys: readonly string[]): Promise<(string | undefined)[]> {
    const values = await this.breaker.run(() => this.redis.mget(keys));
    return values.map((v) => v ?? undefined);
  }

  set(entries: readonly { key: string; value: string; ttlMs: number }[]): Promise<void> {
    return this.breaker.run(async () => failOnError(await this.redis.pipeline(entries.map(({ key, value, ttlMs }) => ['SET', key, value, 'PX', ttlMs]))));
  }

  async getField(key: string, field: string): Promise<string | undefined> {
    return (await this.breaker.run(() => this.redis.hget(key, field))) ?? undefined;
  }

  setField(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    return this.breaker.run(async () => failOnError(await this.redis.multi([['HSET', key, field, value], ['PEXPIRE', key, ttlMs]])));
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.breaker.run(async () => {
      await this.redis.del(keys);
    });
  }

  tryLock(key: string, ttlMs: number): Promise<boolean> {
    return this.breaker.run(() => this.redis.set(key, '1', { px: ttlMs, nx: true }));
  }
}

function failOnError(replies: readonly RedisReply[]): void {
  const failure = replies.find((reply) => reply instanceof RedisReplyError);
  if (failure) throw failure;
}
