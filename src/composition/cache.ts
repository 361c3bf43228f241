import { CircuitBreaker, CacheUnavailableError } from '../adapters/redis/circuitBreaker.ts';
import { isAuthFailure, RedisCacheStore } from '../adapters/redis/RedisCacheStore.ts';
import type { RedisEndpoint } from '../adapters/redis/redisConnection.ts';
import { readCacheConfig, type CacheConfig } from '../config/cacheConfig.ts';
import { ConfigError } from '../config/config.ts';
import type { CacheObserver, CacheTtls } from '../domain/entityReadCache.ts';
import type { CacheStore } from '../domain/ports.ts';
import { logger, metrics } from '../observability/index.ts';
import { LazyCacheStore } from '../adapters/redis/LazyCacheStore.ts';
import { localCacheStore } from './localStage.ts';

/** Composition root, cache half: validated at import, connected on first use, once per container. */
export const cacheConfig = readCacheConfig();

export const cacheTtls: Partial<CacheTtls> = { entityMs: cacheConfig.CACHE_ENTITY_TTL_SECONDS * 1000, negativeMs: cacheConfig.CACHE_NEGATIVE_TTL_SECONDS * 1000 };

/** Hits, misses, errors and bypasses as EMF metrics; an error is also a log line (the breaker's open state is one line, not one per request). */
export const cacheObserver: CacheObserver = {
  hit: (kind) => metrics.addMetric(kind === 'entity' ? 'CacheHits' : 'CacheNameHits', 'Count', 1),
  miss: (kind) => metrics.addMetric(kind === 'entity' ? 'CacheMisses' : 'CacheNameMisses', 'Count', 1),
  error: (operation, error) => {
    if (error instanceof CacheUnavailableError && error.message === BREAKER_OPEN) {
      metrics.addMetric('CacheBypassed', 'Count', 1);
      return;
    }
    metrics.addMetric('CacheErrors', 'Count', 1);
    logger.warn('Cache call failed; answering without the cache', { operation, error: error as Error });
  },
};
const BREAKER_OPEN = 'cache circuit breaker is open';

/**
 * The container's cache store: the in-process LRU when no Redis is configured, else Redis behind
 * a circuit breaker, built on first use; if building fails (endpoint, secret, connection), calls
 * fail fast as misses and the build is retried after the breaker's open time. After the server
 * refused the AUTH token (it was rotated), the store is rebuilt with the token read again.
 */
export const cacheStore: CacheStore =
  cacheConfig.REDIS_URL === undefined && cacheConfig.CACHE_ENDPOINT_PARAMETER === undefined
    ? inProcessCacheStore()
    : lazyRedisStore(cacheConfig.REDIS_URL !== undefined ? localRedis(cacheConfig.REDIS_URL) : elastiCache, cacheConfig);

/** No Redis configured: the local stage's in-process LRU (./localStage.ts); a deployed stage's bundle keeps the error, not the LRU. */
function inProcessCacheStore(): CacheStore {
  const local = localCacheStore();
  if (local) return local;
  throw new ConfigError('Invalid configuration: CACHE_ENDPOINT_PARAMETER and CACHE_AUTH_SECRET_ID are required outside the local stage');
}

/** Whether the store is ready for use without building it first (the in-process LRU always is). */
export function cacheStoreBuilt(): boolean {
  return !(cacheStore instanceof LazyCacheStore) || cacheStore.isBuilt;
}

/** Where Redis is, read when the store is built; `forceFetch`: read past any cached settings (after the token was refused). */
export type RedisEndpointSource = (options: { forceFetch: boolean }) => Promise<RedisEndpoint>;

/** The stage's ElastiCache: the endpoint and AUTH token from SSM and Secrets Manager, over TLS. */
async function elastiCache(options: { forceFetch: boolean }): Promise<RedisEndpoint> {
  const { readElastiCacheSettings } = await import('../adapters/redis/elastiCacheSettings.ts');
  const settings = await readElastiCacheSettings({ endpointParameter: cacheConfig.CACHE_ENDPOINT_PARAMETER!, authSecretId: cacheConfig.CACHE_AUTH_SECRET_ID! }, cacheConfig.AWS_REGION, options);
  return { host: settings.host, port: settings.port, password: settings.authToken, tls: true };
}

function localRedis(url: string): RedisEndpointSource {
  return () => Promise.resolve({ url });
}

type RedisStoreConfig = Pick<CacheConfig, 'CACHE_CONNECT_TIMEOUT_MS' | 'CACHE_COMMAND_TIMEOUT_MS' | 'CACHE_BREAKER_OPEN_MS'>;

/**
 * Redis behind a circuit breaker (logged and counted as it opens and closes), built on first use
 * from `endpoint`, with the timeouts of `config`; see cacheStore.
 */
export function lazyRedisStore(endpoint: RedisEndpointSource, config: RedisStoreConfig): LazyCacheStore {
  return new LazyCacheStore((previousFailure) => buildRedisStore(endpoint, config, { forceFetch: isAuthFailure(previousFailure) }), {
    retryMs: config.CACHE_BREAKER_OPEN_MS,
    onBuildError: (error) => {
      metrics.addMetric('CacheErrors', 'Count', 1);
      logger.error('Cache unavailable; answering without it until it is built again', { error: error as Error, retryAfterMs: config.CACHE_BREAKER_OPEN_MS });
    },
    onDropped: (failure) => {
      metrics.addMetric('CacheErrors', 'Count', 1);
      logger.error('Cache refused its credentials; answering without it until it is built again with the token read again', { error: failure, retryAfterMs: config.CACHE_BREAKER_OPEN_MS });
    },
  });
}

async function buildRedisStore(endpoint: RedisEndpointSource, config: RedisStoreConfig, options: { forceFetch: boolean }): Promise<RedisCacheStore> {
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    openMs: config.CACHE_BREAKER_OPEN_MS,
    // No timer race per call: the client rejects every command within CACHE_COMMAND_TIMEOUT_MS itself.
    onStateChange: (state, cause) => {
      metrics.addMetric('CacheBreakerOpen', 'Count', state === 'open' ? 1 : 0);
      if (state === 'open') logger.error('Cache circuit breaker opened: reads go to DynamoDB until the cache answers again', { error: cause as Error, retryAfterMs: config.CACHE_BREAKER_OPEN_MS });
      else logger.info('Cache circuit breaker closed: the cache answers again');
    },
  });
  const [{ connectRedis }, where] = await Promise.all([import('../adapters/redis/redisConnection.ts'), endpoint(options)]);
  let lastLogged = 0;
  const onError = (error: Error) => {
    // The client reports every failed reconnect; one line a minute is enough (the breaker logs the state).
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    logger.warn('Cache connection error', { error });
  };
  return new RedisCacheStore(await connectRedis(where, { connectTimeoutMs: config.CACHE_CONNECT_TIMEOUT_MS, commandTimeoutMs: config.CACHE_COMMAND_TIMEOUT_MS, onError }), breaker);
}
