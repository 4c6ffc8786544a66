import type { ApprovalNotifyPayload } from "@portcullis/contracts/jobs";

/**
 * The queue operations approval use cases trigger, implemented by
 * `@portcullis/queues/approval-queue` (control stays free of BullMQ).
 */
export interface ApprovalJobs {
  scheduleExpiry(approvalId: string, expiresAt: Date): Promise<void>;
  /** Without `teamId`: the fan-out to every team's webhook; with it: that team's delivery. */
  notify(approvalId: string, event: ApprovalNotifyPayload["event"], teamId?: string): Promise<void>;
}
