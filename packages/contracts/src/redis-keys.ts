/**
 * Every Redis key, channel and queue name Portcullis uses, derived from one prefix so
 * that tests (one prefix per test) and co-tenant installations never collide.
 */
export interface RedisNames {
  prefix: string;
  /** String: the current snapshot document (JSON). */
  snapshotDoc: string;
  /** String: the current snapshot version (integer), read by pollers. */
  snapshotVersion: string;
  /** Pub/sub channel: message is the new version number. */
  snapshotChannel: string;
  /** BullMQ prefix (queues live under `<bullPrefix>:<queue>:…`). */
  bullPrefix: string;
  /** Rate-limit counters live under `<rateLimitPrefix>:…` (see `rateLimitKey`). */
  rateLimitPrefix: string;
}

export function redisNames(prefix = "portcullis"): RedisNames {
  return {
    prefix,
    snapshotDoc: `${prefix}:snapshot:doc`,
    snapshotVersion: `${prefix}:snapshot:version`,
    snapshotChannel: `${prefix}:snapshot:published`,
    bullPrefix: `${prefix}:bull`,
    rateLimitPrefix: `${prefix}:rl`,
  };
}

/**
 * The counter of one rate limit for one subject:
 * `<prefix>:rl:<policy id>:<limit id>:<subject ids>` (a sorted set for sliding windows,
 * an integer for daily quotas; both expire on their own).
 */
export function rateLimitKey(names: RedisNames, policyId: string, limitId: string, subject: string): string {
  return `${names.rateLimitPrefix}:${policyId}:${limitId}:${subject}`;
}
