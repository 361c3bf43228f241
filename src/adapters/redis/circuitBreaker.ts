/** The cache is unavailable: the breaker is open, or a call failed or took too long. */
export class CacheUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheUnavailableError';
  }
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  readonly failureThreshold: number;
  /** How long it stays open before one trial call is let through. */
  readonly openMs: number;
  /**
   * Hard limit of one call (a timer raced against it). Leave it out when the calls bound
   * themselves: the Redis client's command timeout does, so the cache pays no timer per call.
   */
  readonly callTimeoutMs?: number;
  readonly onStateChange?: (state: BreakerState, cause: unknown) => void;
  readonly now?: () => number;
}

/**
 * Keeps a dead or slow cache from costing every request a timeout: after `failureThreshold`
 * consecutive failures every call fails at once for `openMs`; then one trial call decides
 * (success closes, failure opens again). Recovery needs no restart.
 */
export class CircuitBreaker {
  private readonly options: CircuitBreakerOptions;
  private readonly now: () => number;
  private failures = 0;
  private openedAt = 0;
  private trialRunning = false;
  private current: BreakerState = 'closed';

  constructor(options: CircuitBreakerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.openMs) return 'half-open';
    return this.current;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.trialRunning)) throw new CacheUnavailableError('cache circuit breaker is open');
    const trial = state === 'half-open';
    if (trial) this.trialRunning = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const callTimeoutMs = this.options.callTimeoutMs;
      const result =
        callTimeoutMs === undefined
          ? await call()
          : await Promise.race([
              call(),
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new CacheUnavailableError(`cache call took longer than ${callTimeoutMs} ms`)), callTimeoutMs);
              }),
            ]);
      this.succeeded();
      return result;
    } catch (error) {
      this.failed(trial, error);
      throw error instanceof CacheUnavailableError ? error : new CacheUnavailableError(`cache call failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      if (trial) this.trialRunning = false;
    }
  }

  private succeeded(): void {
    this.failures = 0;
    if (this.current !== 'closed') {
      this.current = 'closed';
      this.options.onStateChange?.('closed', undefined);
    }
  }

  private failed(trial: boolean, error: unknown): void {
    this.failures++;
    if (trial || (this.current === 'closed' && this.failures >= this.options.failureThreshold)) {
      this.current = 'open';
      this.openedAt = this.now();
      this.options.onStateChange?.('open', error);
    }
  }
}
