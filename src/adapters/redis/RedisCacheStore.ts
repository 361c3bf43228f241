import type { Redis } from 'ioredis';
import type { CacheStore } from '../../domain/ports.ts';
import { traced } from '../../observability/tracing.ts';
import type { CircuitBreaker } from './circuitBreaker.ts';
import type { ReplaceableCacheStore } from './LazyCacheStore.ts';

/**
 * The server refused the client's credentials (`WRONGPASS`, `NOAUTH`, `invalid password`): not
 * transient, as the client would send the same token on every reconnect. The error, or the cause
 * the circuit breaker wrapped it in.
 */
export function isAuthFailure(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (/^(WRONGPASS|NOAUTH)\b|invalid password/i.test(e.message)) return true;
  }
  return false;
}

/**
 * The cache port over Redis/Valkey (an ioredis client, connected by ./redisConnection.ts). Every
 * call is traced (a `Redis` subsegment) and goes through the circuit breaker, so a dead or slow server fails fast; callers treat a
 * failure as a miss. Writes go out in one round trip: a fill's SETs pipelined, a hash field and
 * its key's expiry in one MULTI/EXEC (atomic: no field without an expiry), a set of deletes in one
 * DEL.
 *
 * The store owns its client. When the server refuses the client's credentials (on a reconnect
 * after the AUTH token was rotated, or a command answered `NOAUTH`), the client is closed and
 * `failure` says why: LazyCacheStore then builds a new store with the token read again.
 */
export class RedisCacheStore implements CacheStore, ReplaceableCacheStore {
  private readonly redis: Redis;
  private readonly breaker: CircuitBreaker;
  private refused: Error | undefined;

  constructor(redis: Redis, breaker: CircuitBreaker) {
    this.redis = redis;
    this.breaker = breaker;
    redis.on('error', (error: Error) => this.check(error));
  }

  /** Why this store cannot recover by itself (its credentials were refused), once that happened. */
  get failure(): Error | undefined {
    return this.refused;
  }

  /** Closes the connection (no reconnection after it). */
  close(): void {
    this.redis.disconnect();
  }

  async get(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.run(() => this.redis.mget(keys as string[]));
    return values.map((v) => v ?? undefined);
  }

  async set(entries: readonly { key: string; value: string; ttlMs: number }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.run(async () => failOnError(await this.redis.pipeline(entries.map(({ key, value, ttlMs }) => ['set', key, value, 'PX', ttlMs])).exec()));
  }

  async getField(key: string, field: string): Promise<string | undefined> {
    return (await this.run(() => this.redis.hget(key, field))) ?? undefined;
  }

  async setField(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    await this.run(async () => failOnError(await this.redis.multi().hset(key, field, value).pexpire(key, ttlMs).exec()));
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.run(() => this.redis.del(...keys));
  }

  async tryLock(key: string, ttlMs: number): Promise<boolean> {
    return (await this.run(() => this.redis.set(key, '1', 'PX', ttlMs, 'NX'))) === 'OK';
  }

  /** Through the breaker, in a `Redis` subsegment when traced; a refused credential is noted on the way out. */
  private async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await this.breaker.run(() => traced('Redis', call));
    } catch (error) {
      throw this.check(error);
    }
  }

  /** Notes a refused credential (closing the client, which would only be refused again); returns the error. */
  private check(error: unknown): unknown {
    if (this.refused === undefined && isAuthFailure(error)) {
      this.refused = error instanceof Error ? error : new Error(String(error));
      this.redis.disconnect();
    }
    return error;
  }
}

/** A pipeline's or a transaction's replies: the first command's error, if any, fails the call (null: the transaction was aborted). */
function failOnError(replies: [error: Error | null, result: unknown][] | null): void {
  if (replies === null) throw new Error('EXEC: the transaction was aborted');
  const failure = replies.find(([error]) => error !== null);
  if (failure) throw failure[0]!;
}
