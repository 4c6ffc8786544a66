import type {
  ApprovalExecutedPayload,
  ApprovalExpirePayload,
  ApprovalNotifyPayload,
  ApprovalRequestPayload,
} from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import type { Redis } from "ioredis";
import type { Db } from "../db";
import type { ApprovalJobs } from "./approval-jobs";
import { expireApproval } from "./expire-approval";
import { markApprovalExecuted } from "./mark-approval-executed";
import {
  fanOutApprovalWebhooks,
  notifyApprovalWebhook,
  type WebhookOptions,
} from "./notify-approval-webhook";
import { persistApprovalRequest } from "./persist-approval-request";

export interface ApprovalHandlerDeps {
  db: Db;
  /** For publishing decisions (expiry). */
  redis: Redis;
  names: RedisNames;
  jobs: ApprovalJobs;
  webhook?: WebhookOptions;
  /** Signs published decisions (expiry); without it expiries are recorded but not published. */
  secretKey?: Buffer;
}

/**
 * What each `approvals` job does, as use cases of this package: the worker process and the
 * integration tests wire the same handlers into `startApprovalWorker`.
 */
export function approvalJobHandlers(deps: ApprovalHandlerDeps) {
  return {
    async request(payload: ApprovalRequestPayload): Promise<void> {
      await persistApprovalRequest(deps.db, payload, deps.jobs);
    },
    async expire(payload: ApprovalExpirePayload): Promise<void> {
      const outcome = await expireApproval(
        deps.db,
        deps.redis,
        deps.names,
        { ...payload, ...(deps.secretKey && { secretKey: deps.secretKey }) },
        deps.jobs,
      );
      // The queue's clock ran ahead of the database's: failing makes BullMQ retry shortly.
      if (outcome.state === "not_due") {
        throw new Error(`approval ${payload.approvalId} is not due until ${outcome.expiresAt.toISOString()}`);
      }
    },
    async executed(payload: ApprovalExecutedPayload): Promise<void> {
      await markApprovalExecuted(deps.db, payload);
    },
    async notify(
      payload: ApprovalNotifyPayload,
      attempt: { number: number; finalAttempt: boolean },
    ): Promise<void> {
      if (payload.teamId === undefined) {
        await fanOutApprovalWebhooks(deps.db, payload, deps.jobs, deps.webhook?.secretKey);
        return;
      }
      await notifyApprovalWebhook(deps.db, { ...payload, teamId: payload.teamId }, attempt, deps.webhook);
    },
  };
}
