import {
  type ApprovalHandlerDeps,
  approvalJobHandlers,
} from "@portcullis/control/approvals/approval-job-handlers";
import { ApprovalQueue } from "@portcullis/queues/approval-queue";
import { type ApprovalWorker, startApprovalWorker } from "@portcullis/queues/approval-worker";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";

export interface ApprovalsBackend {
  queue: ApprovalQueue;
  worker: ApprovalWorker;
}

/**
 * The worker side of approvals for gateway tests: the real BullMQ queue (short notify
 * backoff, so webhook retries happen within a test) and the worker running the control
 * package's job handlers. Call `worker.ready()` before relying on it.
 */
export function startApprovalsBackend(
  redisUrl: string,
  deps: Omit<ApprovalHandlerDeps, "jobs">,
): ApprovalsBackend {
  const queue = new ApprovalQueue({
    names: deps.names,
    connection: { redis: { url: redisUrl } },
    notifyBackoffMs: 100,
  });
  const worker = startApprovalWorker({
    redis: { url: redisUrl },
    names: deps.names,
    // Test webhooks listen on loopback, which the SSRF guard refuses unless allowlisted.
    handlers: approvalJobHandlers({
      ...deps,
      webhook: { outbound: LOOPBACK_TEST_POLICY.outbound, ...deps.webhook },
      jobs: queue,
    }),
  });
  return { queue, worker };
}
