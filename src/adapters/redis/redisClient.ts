import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://…` (TLS): the local stack and the tests. */
  readonly url?: string;
  /** ElastiCache: host and AUTH token, always over TLS. */
  readonly host?: string;
  readonly port?: number;
  readonly password?: string;
  readonly tls?: boolean;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  /** Every client error (connection refused, reset…); ioredis reconnects by itself. */
  readonly onError: (error: Error) => void;
}

/**
 * An ioredis client tuned to fail fast: short connect and command timeouts, no offline queue
 * (a command while disconnected fails at once instead of waiting for a reconnect), no per-command
 * retries, and reconnection in the background with capped backoff, so the cache comes back by
 * itself. Waits at most the connect timeout for the first connection; a client that is not
 * ready yet is returned all the same (its calls fail until it is, and the breaker opens).
 */
export async function connectRedis(options: RedisConnectionOptions): Promise<Redis> {
  const common: RedisOptions = {
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1000),
    lazyConnect: false,
  };
  const redis = options.url
    ? new Redis(options.url, common)
    : new Redis({ ...common, host: options.host ?? '127.0.0.1', port: options.port ?? 6379, ...(options.password && { password: options.password }), ...(options.tls && { tls: { servername: options.host } }) });
  redis.on('error', options.onError);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), options.connectTimeoutMs);
  try {
    await once(redis, 'ready', { signal: timeout.signal });
  } catch {
    // Not ready in time: fail open; the breaker and the background reconnects take it from here.
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
