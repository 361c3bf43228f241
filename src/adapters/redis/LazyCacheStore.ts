import type { CacheStore } from '../../domain/ports.ts';
import { CacheUnavailableError } from './circuitBreaker.ts';

/**
 * A store built on first use (the endpoint and AUTH token are read, the client connects). If that
 * fails, every call fails at once (a miss) until `retryMs` have passed, then the next call tries
 * to build it again: a cold start with the cache unreachable still answers, and recovers by itself.
 */
export class LazyCacheStore implements CacheStore {
  private readonly build: () => Promise<CacheStore>;
  private readonly retryMs: number;
  private readonly onBuildError: (error: unknown) => void;
  private pending: Promise<CacheStore> | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;

  constructor(build: () => Promise<CacheStore>, options: { retryMs: number; onBuildError: (error: unknown) => void }) {
    this.build = build;
    this.retryMs = options.retryMs;
    this.onBuildError = options.onBuildError;
  }

  private store(): Promise<CacheStore> {
    if (this.pending) return this.pending;
    if (Date.now() - this.failedAt < this.retryMs) return Promise.reject(new CacheUnavailableError('cache circuit breaker is open'));
    this.pending = this.build().catch((error: unknown) => {
      this.pending = undefined;
      this.failedAt = Date.now();
      this.onBuildError(error);
      throw new CacheUnavailableError('cache circuit breaker is open', { cause: error });
    });
    return this.pending;
  }

  async get(keys: readonly string[]) {
    return (await this.store()).get(keys);
  }
  async set(entries: readonly { key: string; value: string; ttlMs: number }[]) {
    return (await this.store()).set(entries);
  }
  async getField(key: string, field: string) {
    return (await this.store()).getField(key, field);
  }
  async setField(key: string, field: string, value: string, ttlMs: number) {
    return (await this.store()).setField(key, field, value, ttlMs);
  }
  async delete(keys: readonly string[]) {
    return (await this.store()).delete(keys);
  }
  async tryLock(key: string, ttlMs: number) {
    return (await this.store()).tryLock(key, ttlMs);
  }
}
