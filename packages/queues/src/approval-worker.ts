import {
  type ApprovalExecutedPayload,
  type ApprovalExpirePayload,
  type ApprovalNotifyPayload,
  type ApprovalRequestPayload,
  approvalExecutedPayload,
  approvalExpirePayload,
  approvalNotifyPayload,
  approvalRequestPayload,
  JOBS,
  QUEUES,
} from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { type Logger, silentLogger } from "./logger";
import type { RedisConfig } from "./redis-config";

/** Where each approval job goes: use cases of `@portcullis/control/approvals`. Each must be idempotent. */
export interface ApprovalJobHandlers {
  request(payload: ApprovalRequestPayload): Promise<void>;
  expire(payload: ApprovalExpirePayload): Promise<void>;
  executed(payload: ApprovalExecutedPayload): Promise<void>;
  /** `finalAttempt`: no retry follows if this one fails (record the failure then). */
  notify(payload: ApprovalNotifyPayload, attempt: { number: number; finalAttempt: boolean }): Promise<void>;
}

export interface ApprovalWorkerOptions {
  redis: RedisConfig;
  names: RedisNames;
  handlers: ApprovalJobHandlers;
  /** Jobs processed at once. Default 4 (webhooks wait on the network). */
  concurrency?: number;
  logger?: Logger;
}

export interface ApprovalWorker {
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Consumes the `approvals` queue. A failing handler (Postgres down, webhook answering 500)
 * is retried with the backoff the producer chose; a payload that breaks the contract can
 * never succeed and fails at once.
 */
export function startApprovalWorker(options: ApprovalWorkerOptions): ApprovalWorker {
  const logger = options.logger ?? silentLogger;
  const worker = new Worker(QUEUES.approvals, (job: Job) => dispatch(job, options.handlers), {
    connection: { ...options.redis, maxRetriesPerRequest: null },
    prefix: options.names.bullPrefix,
    concurrency: options.concurrency ?? 4,
  });
  worker.on("error", (error) => logger.warn({ err: error }, "approval worker error"));
  worker.on("failed", (job, error) => {
    const final =
      error instanceof UnrecoverableError || (job?.attemptsMade ?? 0) >= (job?.opts.attempts ?? 1);
    const fields = { err: error.message, jobId: job?.id, job: job?.name, attemptsMade: job?.attemptsMade };
    if (final) logger.error(fields, "approval job failed for good");
    else logger.warn(fields, "approval job failed; it will be retried");
  });
  return {
    ready: () => worker.waitUntilReady().then(() => {}),
    close: () => worker.close(),
  };
}

/** The slice of a zod schema used here (zod itself is the contracts package's dependency). */
interface Schema<T> {
  safeParse(
    data: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } };
}

function parse<T>(schema: Schema<T>, job: Job): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(`invalid ${job.name} payload: ${parsed.error.issues[0]?.message ?? "?"}`);
  }
  return parsed.data;
}

async function dispatch(job: Job, handlers: ApprovalJobHandlers): Promise<void> {
  switch (job.name) {
    case JOBS.approvalRequest:
      return handlers.request(parse(approvalRequestPayload, job));
    case JOBS.approvalExpire:
      return handlers.expire(parse(approvalExpirePayload, job));
    case JOBS.approvalExecuted:
      return handlers.executed(parse(approvalExecutedPayload, job));
    case JOBS.approvalNotify: {
      const number = job.attemptsMade + 1;
      return handlers.notify(parse(approvalNotifyPayload, job), {
        number,
        finalAttempt: number >= (job.opts.attempts ?? 1),
      });
    }
    default:
      throw new UnrecoverableError(`unexpected job "${job.name}" on the approvals queue`);
  }
}
