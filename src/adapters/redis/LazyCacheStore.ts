import type { CacheStore } from '../../domain/ports.ts';
import { CacheUnavailableError } from './circuitBreaker.ts';

/** A built store that can tell when it cannot recover by itself, so that it is replaced. */
export interface ReplaceableCacheStore extends CacheStore {
  /** Set once the store cannot recover by itself (e.g. the server refused its credentials). */
  readonly failure: Error | undefined;
  /** Releases its connection. */
  close(): void;
}

/**
 * A store built on first use (the endpoint and AUTH token are read, the client connects). If that
 * fails, every call fails at once (a miss) until `retryMs` have passed, then the next call tries
 * to build it again: a cold start with the cache unreachable still answers, and recovers by itself.
 * A built store that reports a `failure` (its credentials were refused after a rotation) is closed
 * and dropped the same way, and built again after `retryMs`. `build` is told why the last store or
 * build failed (undefined the first time), so it can read its settings afresh when that calls for it.
 */
export class LazyCacheStore implements CacheStore {
  private readonly build: (previousFailure: unknown) => Promise<ReplaceableCacheStore>;
  private readonly retryMs: number;
  private readonly onBuildError: (error: unknown) => void;
  private readonly onDropped: (failure: Error) => void;
  private pending: Promise<ReplaceableCacheStore> | undefined;
  /** The store once built: calls go straight to it, without awaiting `pending` again. */
  private built: ReplaceableCacheStore | undefined;
  private failedAt = Number.NEGATIVE_INFINITY;
  private previousFailure: unknown;

  constructor(
    build: (previousFailure: unknown) => Promise<ReplaceableCacheStore>,
    options: { retryMs: number; onBuildError: (error: unknown) => void; onDropped: (failure: Error) => void },
  ) {
    this.build = build;
    this.retryMs = options.retryMs;
    this.onBuildError = options.onBuildError;
    this.onDropped = options.onDropped;
  }

  private store(): Promise<ReplaceableCacheStore> {
    if (this.pending) return this.pending;
    if (Date.now() - this.failedAt < this.retryMs) return Promise.reject(new CacheUnavailableError('cache circuit breaker is open', { cause: this.previousFailure }));
    this.pending = this.build(this.previousFailure).then(
      (store) => {
        this.previousFailure = undefined;
        return (this.built = store);
      },
      (error: unknown) => {
        this.pending = undefined;
        this.failedAt = Date.now();
        this.previousFailure = error;
        this.onBuildError(error);
        throw new CacheUnavailableError('cache circuit breaker is open', { cause: error });
      },
    );
    return this.pending;
  }

  /** A built store that cannot recover goes: closed, forgotten, built again after `retryMs`. */
  private drop(store: ReplaceableCacheStore, failure: Error): void {
    this.built = undefined;
    this.pending = undefined;
    this.failedAt = Date.now();
    this.previousFailure = failure;
    store.close();
    this.onDropped(failure);
  }

  /** Closes the built store's connection, if there is one (tests, scripts). */
  close(): void {
    this.built?.close();
  }

  /** Whether the store has been built (it is built on the first call). */
  get isBuilt(): boolean {
    return this.built !== undefined;
  }

  /** Straight to the built store (no extra await per call once it exists), else through the build. */
  private use<T>(call: (store: CacheStore) => Promise<T>): Promise<T> {
    const built = this.built;
    if (built !== undefined) {
      const failure = built.failure;
      if (failure === undefined) return call(built);
      this.drop(built, failure);
    }
    return this.store().then(call);
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
