import { oauthLastUseKey, type RedisNames } from "@portcullis/contracts/redis-keys";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

const EVERY_MS = 60_000;

/**
 * Records when a connection's tokens were last used, at most once a minute per grant and off
 * the response path: the Members page needs "last use", not every call.
 */
export function lastUseRecorder(redis: Redis, names: RedisNames, logger: Logger): (grantId: string) => void {
  const written = new Map<string, number>();
  return (grantId) => {
    const now = Date.now();
    if (now - (written.get(grantId) ?? 0) < EVERY_MS) return;
    if (written.size > 10_000) written.clear();
    written.set(grantId, now);
    redis.hset(oauthLastUseKey(names), grantId, String(now)).catch((err: unknown) => {
      logger.debug({ err: String(err) }, "oauth last use not recorded");
    });
  };
}
