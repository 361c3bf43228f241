import type { Redis } from 'ioredis';

/** Deletes every key matching `pattern` (SCAN, then DEL per step): tests and the bench clean up their key prefix. */
export async function deleteKeysMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
