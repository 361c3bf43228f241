import * as z from 'zod/mini';
import { blankIsUnset, ConfigError, intSetting as int, parseEnvironment } from './config.ts';

/** The read-through cache's settings (docs/cache.md): where Redis is, its key prefix, TTLs, timeouts and the breaker's open time. */
const cacheConfigSchema = z.object({
  AWS_REGION: z.string().check(z.minLength(1)),
  /** Local stack and tests: a Redis URL. Unset (and no endpoint parameter) → the in-process LRU. */
  REDIS_URL: blankIsUnset(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
  /** AWS: the SSM parameter with the ElastiCache primary endpoint, and the AUTH token's secret. */
  CACHE_ENDPOINT_PARAMETER: blankIsUnset(z.string().check(z.startsWith('/'))),
  CACHE_AUTH_SECRET_ID: blankIsUnset(z.string().check(z.minLength(1))),
  /** Prepended to every key (tests give each run its own key space). */
  CACHE_KEY_PREFIX: blankIsUnset(z.string().check(z.regex(/^[\w:.-]{1,64}$/))),
  CACHE_ENTITY_TTL_SECONDS: int(1, 86_400, 300),
  CACHE_NEGATIVE_TTL_SECONDS: int(1, 3_600, 30),
  CACHE_CONNECT_TIMEOUT_MS: int(10, 10_000, 1_000),
  CACHE_COMMAND_TIMEOUT_MS: int(5, 5_000, 100),
  CACHE_BREAKER_OPEN_MS: int(10, 600_000, 5_000),
});
export type CacheConfig = z.output<typeof cacheConfigSchema>;

export function parseCacheConfig(env: Record<string, string | undefined>): CacheConfig {
  const config = parseEnvironment(cacheConfigSchema, env);
  if ((config.CACHE_ENDPOINT_PARAMETER === undefined) !== (config.CACHE_AUTH_SECRET_ID === undefined)) {
    throw new ConfigError('Invalid configuration: CACHE_ENDPOINT_PARAMETER and CACHE_AUTH_SECRET_ID go together');
  }
  return config;
}

/** The cache's settings from the environment, validated (a bad one fails the cold start with its name). */
export const readCacheConfig = (): CacheConfig => parseCacheConfig(process.env);
