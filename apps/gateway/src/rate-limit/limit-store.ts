import { createRedisClient, type RedisTarget } from "@portcullis/queues/redis-config";
import type { Redis } from "ioredis";
import { CHECK_LIMITS_LUA, CHECK_LIMITS_SHA } from "./check-script";

export type LimitVerdict =
  | { allowed: true }
  /** `index`: which of the checked limits must wait longest (0-based). */
  | { allowed: false; index: number; retryAfterMs: number };

export interface LimitStoreOptions {
  redisUrl: RedisTarget;
  /**
   * A check that takes longer counts as "Redis unreachable" (default 2 s). It bounds how
   * long a hung (not refusing) Redis delays a call; a down Redis fails at once regardless.
   * Kept well above event-loop stalls of a busy process, which would otherwise turn a
   * healthy check into a spurious fail-open.
   */
  commandTimeoutMs?: number;
  /** How long the very first call waits for the initial connection (default 2 s). */
  connectTimeoutMs?: number;
}

/**
 * The rate-limit counters in Redis, on a connection of their own that fails fast: no
 * offline queue and no retries, so while Redis is down a check fails at once and the
 * policy's fail-open/fail-closed choice decides, instead of calls piling up. The client
 * keeps reconnecting in the background.
 */
export class LimitStore {
  private readonly redis: Redis;
  private readonly firstReady: Promise<void>;
  private everReady = false;

  constructor(options: LimitStoreOptions) {
    const connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
    this.redis = createRedisClient(options.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      connectTimeout: connectTimeoutMs,
      // Checks made in the same tick (concurrent calls) leave in one write, not one each.
      enableAutoPipelining: true,
      // Reconnect quickly: limits are unchecked until we are back.
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    this.redis.on("error", () => undefined); // failures surface on each check
    this.firstReady = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, connectTimeoutMs);
      this.redis.once("ready", () => {
        this.everReady = true;
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Checks and (when all pass) consumes the limits in one round trip.
   * `args` holds three entries per key (see check-script.ts); `member` is unique per call.
   * Rejects when Redis cannot answer.
   */
  async check(keys: string[], args: string[], member: string): Promise<LimitVerdict> {
    // Only a gateway that has just started waits for its connection; afterwards a down
    // Redis fails the check immediately.
    if (!this.everReady) await this.firstReady;
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(CHECK_LIMITS_SHA, keys.length, ...keys, member, ...args);
    } catch (err) {
      // A restarted or flushed Redis forgot the script: send it once, then EVALSHA again.
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      reply = await this.redis.eval(CHECK_LIMITS_LUA, keys.length, ...keys, member, ...args);
    }
    const [ok, index, retryAfterMs] = reply as [number, number?, number?];
    if (ok === 1) return { allowed: true };
    return { allowed: false, index: (index ?? 1) - 1, retryAfterMs: retryAfterMs ?? 1_000 };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
