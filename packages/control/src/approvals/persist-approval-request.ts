import { approvalArgumentsHash } from "@portcullis/contracts/approval-policy";
import { AppError } from "@portcullis/contracts/errors";
import type { ApprovalRequestInput } from "@portcullis/contracts/jobs";
import type { Prisma } from "@portcullis/db/client";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db, Tx } from "../db";
import { normalizeEmail } from "../identity/normalize-email";
import type { ApprovalJobs } from "./approval-jobs";
import { hasTeamWebhook, TEAM_WEBHOOK_COLUMNS } from "./team-webhook";

export interface PersistedApproval {
  /** False when the request was already stored (the job ran twice): nothing was done again. */
  created: boolean;
  onBehalfOf: string | null;
}

/**
 * Stores an approval request the gateway enqueued, with its `approval.request` admin audit
 * row in the same transaction; then schedules its expiry and, when any of its teams has a
 * webhook, its notification (to each of them: `fanOutApprovalWebhooks`). Idempotent by approval id. A person's own call (through an
 * OAuth client) names no agent: the person is the requester, with the client they used.
 *
 * The arguments are checked against their hash first: a request altered on its way from the
 * gateway could otherwise show the approver one thing and bind the approval to another.
 * The person on whose behalf the agent acts is the payload's, or else the person who
 * created the agent's key (a console user, by email, still in the organization).
 */
export async function persistApprovalRequest(
  db: Db,
  payload: ApprovalRequestInput,
  jobs: ApprovalJobs,
): Promise<PersistedApproval> {
  const hash = await approvalArgumentsHash(payload.arguments);
  if (hash !== payload.argumentsHash) {
    throw new AppError(
      "INVALID_INPUT",
      `approval ${payload.approvalId}: the arguments do not match their hash`,
    );
  }
  const expiresAt = new Date(payload.expiresAt);
  const outcome = await db.$transaction(async (tx) => {
    const existing = await tx.approvalRequest.findUnique({
      where: { id: payload.approvalId },
      select: { onBehalfOf: true },
    });
    if (existing) return { created: false, onBehalfOf: existing.onBehalfOf, webhook: false };
    const onBehalfOf = payload.onBehalfOf ?? (await keyOwner(tx, payload.orgId, payload.keyId));
    const teamIds = payload.teamIds?.length ? payload.teamIds : payload.teamId ? [payload.teamId] : [];
    await tx.approvalRequest.create({
      data: {
        id: payload.approvalId,
        orgId: payload.orgId,
        agentId: payload.agentId,
        clientId: payload.client?.id ?? null,
        clientName: payload.client?.name ?? null,
        teamId: payload.teamId,
        teamIds,
        onBehalfOf,
        serverId: payload.serverId,
        toolName: payload.toolName,
        arguments: payload.arguments as Prisma.InputJsonValue,
        argumentsHash: payload.argumentsHash,
        riskClass: payload.riskClass,
        reason: payload.reason,
        requestId: payload.requestId,
        requestedAt: new Date(payload.requestedAt),
        expiresAt,
      },
    });
    await recordAdminChange(tx, {
      orgId: payload.orgId,
      actor: { type: "system", id: payload.agentId ?? payload.client?.id, name: callerName(payload) },
      action: "approval.request",
      targetType: "approval",
      targetId: payload.approvalId,
      details: {
        agent: payload.agentName,
        ...(payload.client && { client: payload.client.name }),
        server: payload.serverName,
        tool: payload.exposedName,
        riskClass: payload.riskClass,
        reason: payload.reason,
        source: payload.source,
        highlights: payload.highlights,
        onBehalfOf,
        requestId: payload.requestId,
        argumentsHash: payload.argumentsHash,
        expiresAt: payload.expiresAt,
      },
    });
    const teams = await tx.team.findMany({
      where: { id: { in: teamIds }, orgId: payload.orgId },
      select: TEAM_WEBHOOK_COLUMNS,
    });
    return { created: true, onBehalfOf, webhook: teams.some(hasTeamWebhook) };
  });
  if (outcome.created) {
    await jobs.scheduleExpiry(payload.approvalId, expiresAt);
    if (outcome.webhook) await jobs.notify(payload.approvalId, "requested");
  }
  return { created: outcome.created, onBehalfOf: outcome.onBehalfOf };
}

/** Who asked, as the admin log names them: `agent ci-bot`, or `person ann@example.com via Claude Code`. */
function callerName(payload: ApprovalRequestInput): string {
  if (payload.agentId !== null || !payload.client) return `agent ${payload.agentName}`;
  return `person ${payload.agentName} via ${payload.client.name}`;
}

/** The console user who created the key (`createdBy` holds their email), if still a member. */
async function keyOwner(tx: Tx, orgId: string, keyId: string | null): Promise<string | null> {
  if (keyId === null) return null;
  const key = await tx.apiKey.findFirst({ where: { id: keyId, orgId }, select: { createdBy: true } });
  if (!key?.createdBy?.includes("@")) return null;
  const user = await tx.user.findUnique({
    where: { email: normalizeEmail(key.createdBy) },
    select: { id: true },
  });
  if (!user) return null;
  const member = await tx.membership.findUnique({ where: { orgId_userId: { orgId, userId: user.id } } });
  return member ? user.id : null;
}
