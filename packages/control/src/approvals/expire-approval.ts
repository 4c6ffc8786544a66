import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { publishApprovalDecision } from "@portcullis/queues/approval-protocol";
import type { Redis } from "ioredis";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import type { ApprovalJobs } from "./approval-jobs";
import { decisionMessage } from "./publish-decision";

export type ExpireOutcome =
  | { state: "expired" }
  /** Its expiry has not come yet (a clock ahead of the database's): try again at `expiresAt`. */
  | { state: "not_due"; expiresAt: Date }
  /** Someone decided first; that decision was published again (a repair if Redis lost it). */
  | { state: "decided"; status: string }
  | { state: "missing" };

/**
 * Expires a request nobody decided in time (`approval.expire`, delayed to the expiry):
 * `pending → expired` only while still pending and due, with the admin audit row in the same
 * transaction; then the gateways are told (the waiting call is denied as expired) and the
 * team's webhook notified. Idempotent. Without `secretKey` (a worker started without
 * PORTCULLIS_SECRET_KEY) the decision is recorded but not published: gateways accept only
 * signed decisions, and a waiting call ends at its own deadline anyway.
 */
export async function expireApproval(
  db: Db,
  redis: Redis,
  names: RedisNames,
  input: { approvalId: string; now?: Date; secretKey?: Buffer },
  jobs?: Pick<ApprovalJobs, "notify">,
): Promise<ExpireOutcome> {
  const now = input.now ?? new Date();
  const outcome = await db.$transaction(async (tx) => {
    const row = await tx.approvalRequest.findUnique({ where: { id: input.approvalId } });
    if (!row) return { state: "missing" as const };
    const changed = await tx.approvalRequest.updateMany({
      where: { id: row.id, status: "pending", expiresAt: { lte: now } },
      data: { status: "expired", decidedAt: now },
    });
    if (changed.count === 0) return { state: "unchanged" as const, row };
    await recordAdminChange(tx, {
      orgId: row.orgId,
      actor: { type: "system", name: "approval timeout" },
      action: "approval.expire",
      targetType: "approval",
      targetId: row.id,
      details: { expiresAt: row.expiresAt.toISOString(), toolName: row.toolName, agentId: row.agentId },
    });
    return { state: "expired" as const, row: { ...row, status: "expired" as const, decidedAt: now } };
  });

  if (outcome.state === "missing") return outcome;
  const row = outcome.row;
  const { secretKey } = input;
  if (outcome.state === "expired") {
    if (secretKey)
      await publishApprovalDecision(redis, names, decisionMessage(row, null), row.expiresAt, secretKey);
    await jobs?.notify(row.id, "decided");
    return { state: "expired" };
  }
  if (row.status === "pending") return { state: "not_due", expiresAt: row.expiresAt };
  if (row.status !== "executed" && secretKey) {
    const decider = row.decidedById
      ? await db.user.findUnique({ where: { id: row.decidedById }, select: { id: true, email: true } })
      : null;
    await publishApprovalDecision(
      redis,
      names,
      decisionMessage(row, decider ? { id: decider.id, name: decider.email } : null),
      row.expiresAt,
      secretKey,
    );
  }
  return { state: "decided", status: row.status };
}
