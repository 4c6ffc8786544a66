import type { RedisNames } from "@portcullis/contracts/redis-keys";
import type { Redis } from "ioredis";

/*
 * Stored-batch acknowledgements, from the worker back to the gateway that sent the batch.
 * Each gateway's sink keeps every batch in its local journal until its id comes back here
 * (see audit-journal.ts); a lost ack (Redis restarted empty) only means the batch is sent
 * again, and the worker stores each event once (idempotent by event id).
 */

/** Acks outlive a gateway that is away for a while; a gone sink's list expires on its own. */
const ACK_TTL_SECONDS = 24 * 60 * 60;
/** Acks read per round trip. */
const READ_COUNT = 1_000;

/** List of job ids stored for the sink `sink`: `<prefix>:audit:acks:<sink>`. */
export function auditAckKey(names: RedisNames, sink: string): string {
  return `${names.prefix}:audit:acks:${sink}`;
}

/** Worker side: tells `sink` that the jobs `jobIds` are stored (one round trip). */
export async function ackStoredBatches(
  redis: Redis,
  names: RedisNames,
  sink: string,
  jobIds: readonly string[],
): Promise<void> {
  const key = auditAckKey(names, sink);
  await redis
    .multi()
    .rpush(key, ...jobIds)
    .expire(key, ACK_TTL_SECONDS)
    .exec();
}

/** Gateway side: takes (and removes) every ack waiting for `sink`. */
export async function takeAcks(redis: Redis, names: RedisNames, sink: string): Promise<string[]> {
  const key = auditAckKey(names, sink);
  const all: string[] = [];
  for (;;) {
    const batch = await redis.lpop(key, READ_COUNT);
    if (!batch || batch.length === 0) return all;
    all.push(...batch);
    if (batch.length < READ_COUNT) return all;
  }
}
