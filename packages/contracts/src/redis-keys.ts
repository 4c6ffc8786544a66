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
}

export function redisNames(prefix = "portcullis"): RedisNames {
  return {
    prefix,
    snapshotDoc: `${prefix}:snapshot:doc`,
    snapshotVersion: `${prefix}:snapshot:version`,
    snapshotChannel: `${prefix}:snapshot:published`,
    bullPrefix: `${prefix}:bull`,
  };
}
