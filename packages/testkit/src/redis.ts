import { randomToken } from "@portcullis/contracts/ids";
import { type RedisNames, redisNames } from "@portcullis/contracts/redis-keys";
import type { Redis } from "ioredis";

/**
 * Redis names under a prefix no other test shares (`pct:<random>` or `pct:<label>:<random>`),
 * so tests can run in parallel against the shared Redis without ever flushing it.
 */
export function testRedisNames(label?: string): RedisNames {
  const random = randomToken(12);
  return redisNames(label ? `pct:${label}:${random}` : `pct:${random}`);
}

/** Glob metacharacters in a prefix must match literally in SCAN MATCH. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Deletes every key starting with `prefix` (SCAN + DEL, never FLUSHDB: the Redis is shared).
 * Returns how many keys were deleted.
 */
export async function cleanupRedisPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${escapeGlob(prefix)}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}
