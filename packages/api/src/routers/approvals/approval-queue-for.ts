import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { ApprovalQueue } from "@portcullis/queues/approval-queue";
import type { Redis } from "ioredis";

// One producer per Redis connection and prefix, for the life of the process: a BullMQ
// Queue is cheap to keep and costly to build per request.
const queues = new WeakMap<Redis, Map<string, ApprovalQueue>>();

/** The `approvals` queue (webhook notifications of decisions) on the context's Redis. */
export function approvalQueueFor(redis: Redis, names: RedisNames): ApprovalQueue {
  let byPrefix = queues.get(redis);
  if (!byPrefix) {
    byPrefix = new Map();
    queues.set(redis, byPrefix);
  }
  let queue = byPrefix.get(names.prefix);
  if (!queue) {
    queue = new ApprovalQueue({ names, connection: redis });
    byPrefix.set(names.prefix, queue);
  }
  return queue;
}
