import { isIP } from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { isAuthFailure } from './RedisCacheStore.ts';

/**
 * Where the cache is: a URL (`redis://[[user]:password@]host[:port][/db]`, `rediss://` for TLS: the
 * local stack, tests), or host, port, AUTH token and TLS (ElastiCache). `tls`: true, its servername
 * the host (unless an IP address); an object adds Node TLS options (`ca`, `servername`, …).
 */
export type RedisEndpoint = ({ readonly url: string } | { readonly host: string; readonly port: number; readonly password?: string }) & { readonly tls?: boolean | TlsOptions };

export interface RedisConnectionOptions {
  /** TCP and TLS must be done within this; `connectRedis` also waits at most this long for the client to be ready. */
  readonly connectTimeoutMs: number;
  /** A command (the handshake's included) without a reply after this rejects. */
  readonly commandTimeoutMs: number;
  /** Every connection error (refused, reset, timed out, AUTH refused…); the client goes on reconnecting by itself. */
  readonly onError: (error: Error) => void;
}

/** Reconnection delays: doubling from 50 ms up to 1 s, with jitter (half to all of the step). Never gives up. */
function reconnectDelay(attempt: number): number {
  const cap = Math.min(1_000, 50 * 2 ** Math.min(attempt - 1, 16));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

/**
 * A failover (ElastiCache promotes a replica; the primary endpoint's DNS moves) leaves the client's
 * socket on the demoted node, which answers writes with `READONLY`; a node still loading its data
 * answers `LOADING`. Either way the connection is dropped and made again (to wherever the endpoint
 * now points), without resending the command (1): the command that met the error fails with it (a
 * cache command failing is a miss, and the breaker counts it), and the ones after the reconnect go
 * to the new node. The error is also reported through `onError`.
 */
function reconnectOnError(onError: (error: Error) => void): (error: Error) => 1 | false {
  return (error) => {
    if (!/^(READONLY|LOADING)\b/.test(error.message)) return false;
    onError(error);
    return 1;
  };
}

/**
 * An ioredis client tuned to fail fast: no offline queue (a command while disconnected fails at
 * once), no command kept for a retry after a lost connection, connect and command timeouts, a
 * reconnect on `READONLY`/`LOADING`, background reconnection (`reconnectDelay`).
 *
 * It never holds a process open while idle: its socket is unref'd once connected, and the timer
 * of a pending reconnection too. The Lambda runtime answers an async handler whatever is open, but
 * a callback handler, `sls invoke local`, scripts and test runners wait for an empty event loop. A
 * command in flight still keeps the loop alive (its command timeout is a live timer), so an awaited
 * command always gets its reply or its timeout; a connection attempt holds it for at most the
 * connect timeout.
 */
function createRedisClient(endpoint: RedisEndpoint, options: RedisConnectionOptions): Redis {
  const settings = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    retryStrategy: reconnectDelay,
    reconnectOnError: reconnectOnError(options.onError),
  };
  const host = 'host' in endpoint ? endpoint.host : undefined;
  const tls = endpoint.tls && { ...(host !== undefined && isIP(host) === 0 && { servername: host }), ...(typeof endpoint.tls === 'object' && endpoint.tls) };
  const redis =
    'url' in endpoint
      ? new Redis(endpoint.url, { ...settings, ...(tls && { tls }) })
      : new Redis({ ...settings, host: endpoint.host, port: endpoint.port, ...(endpoint.password !== undefined && { password: endpoint.password }), ...(tls && { tls }) });
  redis.on('error', options.onError);
  redis.on('connect', () => redis.stream.unref());
  // ioredis keeps the timer of the next attempt to itself; it is set before this event is emitted.
  redis.on('reconnecting', () => (redis as unknown as { reconnectTimeout?: NodeJS.Timeout | null }).reconnectTimeout?.unref());
  return redis;
}

/**
 * The cache's client, connected: waits at most the connect timeout for it to be ready. A client
 * that is not ready by then is returned all the same (its calls fail until it is, the breaker
 * opens, and it reconnects in the background). A server that refuses the credentials is not
 * transient: that rejects (and closes the client), so the caller can build it again with the
 * settings read afresh.
 */
export async function connectRedis(endpoint: RedisEndpoint, options: RedisConnectionOptions): Promise<Redis> {
  const redis = createRedisClient(endpoint, options);
  let refused: Error | undefined;
  await new Promise<void>((done) => {
    // A live timer on purpose: a script awaiting its first cache call waits for the connection.
    const timer = setTimeout(finish, options.connectTimeoutMs);
    function finish(): void {
      clearTimeout(timer);
      redis.off('ready', finish);
      redis.off('error', onError);
      done();
    }
    function onError(error: Error): void {
      if (!isAuthFailure(error)) return;
      refused = error;
      finish();
    }
    redis.once('ready', finish);
    redis.on('error', onError);
    redis.connect().catch(() => undefined);
  });
  if (refused) {
    redis.disconnect();
    throw refused;
  }
  return redis;
}
