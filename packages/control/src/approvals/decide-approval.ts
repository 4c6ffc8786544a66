import { can, type Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { publishApprovalDecision } from "@portcullis/queues/approval-protocol";
import type { Redis } from "ioredis";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import type { ApprovalJobs } from "./approval-jobs";
import { expireApproval } from "./expire-approval";
import { mayDecideApproval, memberTeamIds } from "./may-decide-approval";
import { decisionMessage } from "./publish-decision";

export interface DecideApprovalInput {
  orgId: string;
  approvalId: string;
  decision: "approve" | "deny";
  comment?: string | null;
  /** The person deciding: `mayDecideApproval` says who may decide which request. */
  deciderId: string;
  /** Where the decision was made, for the admin audit row. */
  via: "user" | "cli";
  /**
   * The argument hash the approver was shown: if the request no longer has it, the
   * approval would not be about what they saw, and it is refused.
   */
  seenArgumentsHash?: string;
  /** The installation key (`secretKeyFrom(PORTCULLIS_SECRET_KEY)`): gateways accept only decisions signed with it. */
  secretKey: Buffer;
}

export interface DecidedApproval {
  id: string;
  status: "approved" | "denied";
  decidedBy: { id: string; email: string };
  decidedAt: Date;
}

/**
 * Approves or denies a pending request. The first decision wins: the row changes only
 * `WHERE status = 'pending' AND expires_at > now`, so of two approvers clicking at once one
 * succeeds and the other is told who decided first (CONFLICT). The admin audit row is
 * written in the same transaction; then the decision is published to the gateways (key +
 * channel) and the team's webhook is notified.
 *
 * Refused: whoever `mayDecideApproval` refuses (FORBIDDEN: no `approvals.decide`, a request
 * made on their own behalf, an approver who is not a member of the request's team), another
 * organization's request (NOT_FOUND, like a missing one),
 * an expired or already decided request (CONFLICT; the existing decision is re-published,
 * which also repairs a delivery Redis lost).
 */
export async function decideApproval(
  db: Db,
  redis: Redis,
  names: RedisNames,
  input: DecideApprovalInput,
  jobs?: Pick<ApprovalJobs, "notify">,
): Promise<DecidedApproval> {
  const now = new Date();
  const status: "approved" | "denied" = input.decision === "approve" ? "approved" : "denied";
  const comment = input.comment?.trim() || null;
  const outcome = await db.$transaction(async (tx) => {
    const member = await tx.membership.findUnique({
      where: { orgId_userId: { orgId: input.orgId, userId: input.deciderId } },
      include: { user: { select: { id: true, email: true } } },
    });
    // Before the request is read, so that without the permission nobody learns whether an id exists.
    if (!member || !can(member.role as Role, "approvals.decide")) {
      throw new AppError(
        "FORBIDDEN",
        "not allowed: deciding approvals needs the 'approvals.decide' permission",
        {
          details: { permission: "approvals.decide" },
        },
      );
    }
    const row = await tx.approvalRequest.findFirst({ where: { id: input.approvalId, orgId: input.orgId } });
    if (!row) throw new AppError("NOT_FOUND", `approval ${input.approvalId} does not exist`);
    const teamIds = row.teamIds.length > 0 ? row.teamIds : row.teamId ? [row.teamId] : [];
    const found = await tx.team.findMany({
      where: { id: { in: teamIds }, orgId: input.orgId },
      select: { id: true, name: true },
    });
    const teams = teamIds.flatMap((id) => found.find((t) => t.id === id) ?? []);
    const right = mayDecideApproval(
      { userId: member.user.id, role: member.role as Role },
      await memberTeamIds(tx, input.orgId, member.user.id),
      { teams, requesterId: row.onBehalfOf },
    );
    if (!right.allowed) {
      throw new AppError("FORBIDDEN", right.message, {
        details: { reason: right.reason, team: teams[0]?.name ?? null },
      });
    }
    if (input.seenArgumentsHash !== undefined && input.seenArgumentsHash !== row.argumentsHash) {
      throw new AppError(
        "CONFLICT",
        "the request's arguments are not the ones you were shown: reload and look again",
      );
    }
    const changed = await tx.approvalRequest.updateMany({
      where: { id: row.id, orgId: input.orgId, status: "pending", expiresAt: { gt: now } },
      data: { status, decidedAt: now, decidedById: member.user.id, comment },
    });
    if (changed.count === 0) {
      // Read again: a concurrent decision blocked this update until it committed.
      const current = await tx.approvalRequest.findUniqueOrThrow({ where: { id: row.id } });
      return { won: false as const, row: current };
    }
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: { type: input.via, id: member.user.id, name: member.user.email },
      action: input.decision === "approve" ? "approval.approve" : "approval.deny",
      targetType: "approval",
      targetId: row.id,
      details: { comment, argumentsHash: row.argumentsHash, toolName: row.toolName, agentId: row.agentId },
    });
    return {
      won: true as const,
      row: { ...row, status, decidedAt: now, decidedById: member.user.id, comment },
      member,
    };
  });

  if (!outcome.won) {
    const row = outcome.row;
    if (row.status === "pending" && row.expiresAt <= now) {
      // Past its expiry but not yet marked: mark it now (and tell the gateways), then refuse.
      await expireApproval(db, redis, names, { approvalId: row.id, secretKey: input.secretKey }, jobs);
      throw new AppError(
        "CONFLICT",
        `too late: approval ${row.id} expired at ${row.expiresAt.toISOString()}`,
        {
          details: { status: "expired" },
        },
      );
    }
    const decider = row.decidedById
      ? await db.user.findUnique({ where: { id: row.decidedById }, select: { id: true, email: true } })
      : null;
    if (row.status !== "executed") {
      await publishApprovalDecision(
        redis,
        names,
        decisionMessage(row, decider ? { id: decider.id, name: decider.email } : null),
        row.expiresAt,
        input.secretKey,
      ).catch(() => {});
    }
    const what = row.status === "executed" ? "approved (and already executed)" : row.status;
    const by = decider ? ` by ${decider.email}` : "";
    throw new AppError(
      "CONFLICT",
      `already decided: approval ${row.id} was ${what}${by} at ${(row.decidedAt ?? row.expiresAt).toISOString()}`,
      { details: { status: row.status, decidedBy: decider?.email ?? null } },
    );
  }

  const decidedBy = { id: outcome.member.user.id, email: outcome.member.user.email };
  try {
    await publishApprovalDecision(
      redis,
      names,
      decisionMessage(outcome.row, { id: decidedBy.id, name: decidedBy.email }),
      outcome.row.expiresAt,
      input.secretKey,
    );
  } catch (cause) {
    throw new AppError(
      "UNAVAILABLE",
      `the decision is recorded, but the gateways could not be told (Redis: ${cause instanceof Error ? cause.message : String(cause)}); decide again to retry the delivery`,
      { cause },
    );
  }
  await jobs?.notify(outcome.row.id, "decided").catch(() => {});
  return { id: outcome.row.id, status, decidedBy, decidedAt: now };
}
