import {
  type ApprovalExecutedPayload,
  type ApprovalNotifyPayload,
  type ApprovalRequestInput,
  approvalExecutedPayload,
  approvalRequestPayload,
  JOBS,
  QUEUES,
} from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createRedisClient, type RedisConfig } from "./redis-config";

export interface ApprovalQueueOptions {
  names: RedisNames;
  /** An ioredis connection to share (stays the caller's to close), or where Redis is. */
  connection: Redis | { redis: RedisConfig };
  /** First retry delay of a failed webhook; doubles each attempt. Default 2 s. */
  notifyBackoffMs?: number;
  /** Webhook attempts in all. Default 6 (≈ 1 min of retries with the default backoff). */
  notifyAttempts?: number;
}

/** Persisting a request must survive a worker restart or a short Postgres outage. */
const DURABLE: JobsOptions = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { age: 3_600 },
  removeOnFail: false,
};

/**
 * The producer side of the `approvals` queue: the gateway enqueues requests and executions,
 * the worker schedules expiries and webhook notifications, the console and the CLI enqueue
 * notifications of decisions. Job ids derive from the approval id, so enqueueing twice
 * (a retry after a timeout) adds one job.
 */
export class ApprovalQueue {
  private readonly queue: Queue;
  private readonly owned: Redis | null;
  private readonly notifyOptions: JobsOptions;

  constructor(options: ApprovalQueueOptions) {
    let connection: Redis;
    if ("redis" in options.connection) {
      // Enqueueing must fail fast when Redis is down: the caller reports it, nothing hangs.
      connection = createRedisClient(options.connection.redis, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
      });
      connection.on("error", () => {});
      this.owned = connection;
    } else {
      connection = options.connection;
      this.owned = null;
    }
    this.queue = new Queue(QUEUES.approvals, { connection, prefix: options.names.bullPrefix });
    this.queue.on("error", () => {});
    this.notifyOptions = {
      attempts: options.notifyAttempts ?? 6,
      backoff: { type: "exponential", delay: options.notifyBackoffMs ?? 2_000 },
      removeOnComplete: { age: 3_600 },
      removeOnFail: { age: 7 * 86_400 },
    };
  }

  /** `approval.request`: the worker persists the request (job id = approval id). */
  async request(payload: ApprovalRequestInput): Promise<void> {
    const data = approvalRequestPayload.parse(payload);
    await this.queue.add(JOBS.approvalRequest, data, { ...DURABLE, jobId: data.approvalId });
  }

  /** `approval.expire`, delayed until `expiresAt`. */
  async scheduleExpiry(approvalId: string, expiresAt: Date): Promise<void> {
    const delay = Math.max(0, expiresAt.getTime() - Date.now());
    await this.queue.add(
      JOBS.approvalExpire,
      { approvalId },
      { ...DURABLE, delay, jobId: `expire-${approvalId}-${expiresAt.getTime()}` },
    );
  }

  /** `approval.executed`: the approved call ran. */
  async executed(payload: ApprovalExecutedPayload): Promise<void> {
    const data = approvalExecutedPayload.parse(payload);
    await this.queue.add(JOBS.approvalExecuted, data, { ...DURABLE, jobId: `executed-${data.approvalId}` });
  }

  /**
   * `approval.notify`: without `teamId`, the fan-out to the request's teams' webhooks; with
   * it, one team's delivery, retried with exponential backoff apart from the others'.
   */
  async notify(approvalId: string, event: ApprovalNotifyPayload["event"], teamId?: string): Promise<void> {
    const payload: ApprovalNotifyPayload = { approvalId, event, ...(teamId !== undefined && { teamId }) };
    await this.queue.add(JOBS.approvalNotify, payload, {
      ...this.notifyOptions,
      jobId:
        teamId === undefined ? `notify-${event}-${approvalId}` : `notify-${event}-${approvalId}-${teamId}`,
    });
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => {});
    this.owned?.disconnect();
  }
}
