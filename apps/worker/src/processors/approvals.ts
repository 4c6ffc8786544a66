import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { approvalJobHandlers } from "@portcullis/control/approvals/approval-job-handlers";
import type { WebhookOptions } from "@portcullis/control/approvals/notify-approval-webhook";
import type { Db } from "@portcullis/db/client";
import { ApprovalQueue } from "@portcullis/queues/approval-queue";
import { type ApprovalWorker, startApprovalWorker } from "@portcullis/queues/approval-worker";
import { createRedisClient, type RedisTarget, redisConnectionOptions } from "@portcullis/queues/redis-config";
import type { Logger } from "pino";

export interface ApprovalProcessorOptions {
  db: Db;
  redisUrl: RedisTarget;
  names: RedisNames;
  logger: Logger;
  webhook?: WebhookOptions;
  /** Signs the decisions the worker publishes (expiries); see approvalJobHandlers. */
  secretKey?: Buffer;
  /** First webhook retry delay (doubles per attempt). Default 2 s. */
  notifyBackoffMs?: number;
}

/**
 * approvals jobs → control use cases: `approval.request` persists the request (and
 * schedules its expiry and webhook), `approval.expire` expires it if nobody decided,
 * `approval.executed` records the run, `approval.notify` posts to the webhook of each team
 * that may decide (one job per distinct URL).
 */
export function startApprovalProcessor(options: ApprovalProcessorOptions): ApprovalWorker {
  const logger = options.logger.child({ processor: "approvals" });
  const redis = createRedisClient(options.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on("error", (error) => logger.warn({ err: error }, "approvals: redis error"));
  const queue = new ApprovalQueue({
    names: options.names,
    connection: redis,
    ...(options.notifyBackoffMs !== undefined && { notifyBackoffMs: options.notifyBackoffMs }),
  });
  const worker = startApprovalWorker({
    redis: redisConnectionOptions(options.redisUrl),
    names: options.names,
    logger,
    handlers: approvalJobHandlers({
      db: options.db,
      redis,
      names: options.names,
      jobs: queue,
      ...(options.webhook && { webhook: options.webhook }),
      ...(options.secretKey && { secretKey: options.secretKey }),
    }),
  });
  return {
    ready: () => worker.ready(),
    close: async () => {
      await worker.close();
      await queue.close();
      redis.disconnect();
    },
  };
}
