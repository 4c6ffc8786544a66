import type { ApprovalDecisionMessage } from "@portcullis/contracts/jobs";
import type { ApprovalRequest } from "@portcullis/db/client";

/** The message gateways act on, from a decided row. */
export function decisionMessage(
  row: Pick<ApprovalRequest, "id" | "argumentsHash" | "decidedAt" | "comment" | "status" | "decidedById">,
  decidedBy: { id: string; name: string } | null,
): ApprovalDecisionMessage {
  const status = row.status === "executed" ? "approved" : row.status;
  if (status === "pending") throw new Error(`approval ${row.id} is still pending`);
  return {
    approvalId: row.id,
    status,
    argumentsHash: row.argumentsHash,
    decidedBy,
    comment: row.comment,
    decidedAt: (row.decidedAt ?? new Date()).toISOString(),
  };
}
