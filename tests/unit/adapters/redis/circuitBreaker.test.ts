import { afterEach, describe, expect, it, vi } from 'vitest';
import { CacheUnavailableError, CircuitBreaker } from '../../../../src/adapters/redis/circuitBreaker.ts';
import { LazyCacheStore, type ReplaceableCacheStore } from '../../../../src/adapters/redis/LazyCacheStore.ts';
import type { CacheStore } from '../../../../src/domain/ports.ts';

afterEach(() => vi.restoreAllMocks());

const fail = () => Promise.reject(new Error('boom'));
const succeed = () => Promise.resolve('ok');

describe('the circuit breaker', () => {
  it('opens after consecutive failures, fails at once while open, and lets one trial call decide', async () => {
    let clock = 0;
    const states: string[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 100, now: () => clock, onStateChange: (state) => states.push(state) });
    for (let i = 0; i < 3; i++) await expect(breaker.run(fail)).rejects.toThrow('cache call failed: boom');
    expect(breaker.state).toBe('open');
    const call = vi.fn(succeed);
    await expect(breaker.run(call)).rejects.toThrow('cache circuit breaker is open');
    expect(call).not.toHaveBeenCalled();

    clock = 100;
    expect(breaker.state).toBe('half-open');
    await expect(breaker.run(fail)).rejects.toBeInstanceOf(CacheUnavailableError);
    expect(breaker.state).toBe('open');
    clock = 200;
    expect(await breaker.run(succeed)).toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'open', 'closed']);
  });

  it('races a call against callTimeoutMs when given, and arms no timer per call without it', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const bounded = new CircuitBreaker({ failureThreshold: 3, openMs: 100, callTimeoutMs: 20 });
    await expect(bounded.run(() => new Promise(() => undefined))).rejects.toThrow('cache call took longer than 20 ms');
    expect(timers).toHaveBeenCalledTimes(1);

    timers.mockClear();
    const unbounded = new CircuitBreaker({ failureThreshold: 3, openMs: 100 });
    expect(await unbounded.run(succeed)).toBe('ok');
    await expect(unbounded.run(fail)).rejects.toThrow('boom');
    expect(timers).not.toHaveBeenCalled();
  });
});

describe('the lazily built store', () => {
  const store = (get: CacheStore['get'], failure?: Error) => ({ get, set: vi.fn(), getField: vi.fn(), setField: vi.fn(), delete: vi.fn(), tryLock: vi.fn(), failure, close: vi.fn() });
  const quiet = { onBuildError: () => undefined, onDropped: () => undefined };

  it('builds once, fails fast for retryMs after a failed build, then builds again, told why the last build failed', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_000);
    const errors: unknown[] = [];
    const build = vi.fn<(previousFailure: unknown) => Promise<ReplaceableCacheStore>>().mockRejectedValueOnce(new Error('no endpoint')).mockResolvedValue(store(() => Promise.resolve(['v'])));
    const lazy = new LazyCacheStore(build, { ...quiet, retryMs: 500, onBuildError: (error) => errors.push(error) });
    await expect(lazy.get(['k'])).rejects.toThrow('cache circuit breaker is open');
    await expect(lazy.get(['k'])).rejects.toThrow('cache circuit breaker is open');
    expect(build).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([new Error('no endpoint')]);

    vi.spyOn(Date, 'now').mockReturnValue(1_500);
    expect(await Promise.all([lazy.get(['k']), lazy.get(['k'])])).toEqual([['v'], ['v']]);
    expect(await lazy.get(['k'])).toEqual(['v']);
    expect(build.mock.calls).toEqual([[undefined], [new Error('no endpoint')]]);
  });

  it('drops a built store that reports a failure: closed, calls failing fast for retryMs, then built again told why', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_000);
    const refused = new Error('WRONGPASS invalid username-password pair');
    const first = store(() => Promise.resolve(['old']));
    const second = store(() => Promise.resolve(['new']));
    const dropped: Error[] = [];
    const build = vi.fn<(previousFailure: unknown) => Promise<ReplaceableCacheStore>>().mockResolvedValueOnce(first).mockResolvedValueOnce(second);
    const lazy = new LazyCacheStore(build, { ...quiet, retryMs: 500, onDropped: (failure) => dropped.push(failure) });
    expect(await lazy.get(['k'])).toEqual(['old']);

    first.failure = refused;
    await expect(lazy.get(['k'])).rejects.toThrow('cache circuit breaker is open');
    expect(first.close).toHaveBeenCalledTimes(1);
    expect(dropped).toEqual([refused]);
    expect(lazy.isBuilt).toBe(false);

    vi.spyOn(Date, 'now').mockReturnValue(1_500);
    expect(await lazy.get(['k'])).toEqual(['new']);
    expect(build.mock.calls).toEqual([[undefined], [refused]]);
    expect(first.close).toHaveBeenCalledTimes(1);
  });
});
