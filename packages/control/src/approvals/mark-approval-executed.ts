import type { ApprovalExecutedPayload } from "@portcullis/contracts/jobs";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";

/**
 * Records that an approved call ran (`approval.executed`, from the gateway that ran it):
 * `approved → executed`, with the admin audit row in the same transaction. Idempotent; a
 * request that is not (or no longer) approved is left as it is.
 * @returns whether the row changed.
 */
export async function markApprovalExecuted(db: Db, payload: ApprovalExecutedPayload): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const row = await tx.approvalRequest.findUnique({ where: { id: payload.approvalId } });
    if (!row) return false;
    const changed = await tx.approvalRequest.updateMany({
      where: { id: row.id, status: "approved" },
      data: { status: "executed" },
    });
    if (changed.count === 0) return false;
    await recordAdminChange(tx, {
      orgId: row.orgId,
      actor: { type: "system", id: row.agentId ?? row.clientId ?? undefined, name: "gateway" },
      action: "approval.execute",
      targetType: "approval",
      targetId: row.id,
      details: { isError: payload.isError, requestId: payload.requestId, executedAt: payload.executedAt },
    });
    return true;
  });
}
