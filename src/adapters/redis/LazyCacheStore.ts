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
  /** The store once built: calls go straight to it, without awaiting `pending` again. */
  private built: CacheStore | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;

  constructor(build: () => Promise<CacheStore>, options: { retryMs: number; onBuildError: (error: unknown) => void }) {
    this.build = build;
    this.retryMs = options.retryMs;
    this.onBuildError = options.onBuildError;
  }

  private store(): Promise<CacheStore> {
    if (this.pending) return this.pending;
    if (Date.now() - this.failedAt < this.retryMs) return Promise.reject(new CacheUnavailableError('cache circuit breaker is open'));
    this.pending = this.build().then(
      (store) => (this.built = store),
      (error: unknown) => {
        this.pending = undefined;
        this.failedAt = Date.now();
        this.onBuildError(error);
        throw new CacheUnavailableError('cache circuit breaker is open', { cause: error });
      },
    );
    return this.pending;
  }

  /** Whether the store has been built (it is built on the first call). */
  get isBuilt(): boolean {
    return this.built !== undefined;
  }

  /** Straight to the built store (no extra await per call once it exists), else through the build. */
  private use<T>(call: (store: CacheStore) => Promise<T>): Promise<T> {
    return this.built ? call(this.built) : this.store().then(call);
  }

  get(keys: readonly string[]) {
    return this.use((store) => store.get(keys));
  }
  set(entries: readonly { key: string; value: string; ttlMs: number }[]) {
    return this.use((store) => store.set(entries));
  }
  getField(key: string, field: string) {
    return this.use((store) => store.getField(key, field));
  }
  setField(key: string, field: string, value: string, ttlMs: number) {
    return this.use((store) => store.setField(key, field, value, ttlMs));
  }
  delete(keys: readonly string[]) {
    return this.use((store) => store.delete(keys));
  }
  tryLock(key: string, ttlMs: number) {
    return this.use((store) => store.tryLock(key, ttlMs));
  }
}
