import type { ApprovalNotifyPayload } from "@portcullis/contracts/jobs";

/**
 * The queue operations approval use cases trigger, implemented by
 * `@portcullis/queues/approval-queue` (control stays free of BullMQ).
 */
export interface ApprovalJobs {
  scheduleExpiry(approvalId: string, expiresAt: Date): Promise<void>;
  notify(approvalId: string, event: ApprovalNotifyPayload["event"]): Promise<void>;
}
