import { AppError } from "@portcullis/contracts/errors";
import type { ApprovalSource } from "@portcullis/contracts/jobs";
import { exposedToolName, type RiskClass } from "@portcullis/contracts/snapshot";
import type { ApprovalRequest, Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";

export type ApprovalViewStatus = "pending" | "approved" | "denied" | "expired" | "executed";

/** One approval request as approvers and the CLI see it. */
export interface ApprovalView {
  id: string;
  /** `expired` also for a pending row whose expiry has passed (before the worker marks it). */
  status: ApprovalViewStatus;
  /** The agent that asked; null when a person asked themselves, through `client`. */
  agent: { id: string; name: string } | null;
  /** The OAuth client a person's call came through (null for an agent's call). */
  client: { id: string; name: string } | null;
  /** The agent's team, or the first of `teams`. */
  team: { id: string; name: string } | null;
  /** The teams whose approvers may decide (an agent's team; each of a person's teams granting the tool). */
  teams: Array<{ id: string; name: string }>;
  /** Who asked, in words: `agent ci-bot`, or `person ann@example.com via Claude Code`. */
  caller: string;
  /** The person on whose behalf the agent asked (the key's owner) or who asked, when known. */
  requester: { id: string; email: string; name: string | null } | null;
  server: { id: string; name: string };
  toolName: string;
  exposedName: string;
  riskClass: RiskClass;
  reason: string | null;
  arguments: unknown;
  argumentsHash: string;
  /** Argument paths the rule matched on, to highlight. */
  highlights: string[];
  source: ApprovalSource | null;
  requestId: string;
  requestedAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  decidedBy: { id: string; email: string; name: string | null } | null;
  comment: string | null;
}

export interface ApprovalPage {
  items: ApprovalView[];
  nextCursor: string | null;
}

/**
 * An organization's approval requests. `pending`: those still waiting, oldest (most urgent)
 * first; `decided`: the rest, newest first, a page at a time.
 */
export async function listApprovals(
  db: Tx,
  input: {
    orgId: string;
    status: "pending" | "decided";
    cursor?: string;
    limit?: number;
    now?: Date;
    /** A further filter, e.g. `decidableWhere` (the requests a person can decide). */
    only?: Prisma.ApprovalRequestWhereInput;
  },
): Promise<ApprovalPage> {
  const now = input.now ?? new Date();
  const limit = Math.min(Math.max(input.limit ?? 50, 1), 200);
  const byStatus: Prisma.ApprovalRequestWhereInput =
    input.status === "pending"
      ? { orgId: input.orgId, status: "pending", expiresAt: { gt: now } }
      : { orgId: input.orgId, OR: [{ status: { not: "pending" } }, { expiresAt: { lte: now } }] };
  const where = input.only ? { AND: [byStatus, input.only] } : byStatus;
  const rows = await db.approvalRequest.findMany({
    where,
    orderBy:
      input.status === "pending"
        ? [{ requestedAt: "asc" }, { id: "asc" }]
        : [{ requestedAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    ...(input.cursor !== undefined && { cursor: { id: input.cursor }, skip: 1 }),
  });
  const page = rows.slice(0, limit);
  return {
    items: await toViews(db, page, now),
    nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}

/** One request of the organization; another organization's is reported like a missing one. */
export async function getApproval(db: Tx, orgId: string, approvalId: string): Promise<ApprovalView> {
  const row = await db.approvalRequest.findFirst({ where: { id: approvalId, orgId } });
  if (!row) throw new AppError("NOT_FOUND", `approval ${approvalId} does not exist`);
  const [view] = await toViews(db, [row], new Date());
  return view!;
}

interface RequestDetails {
  agent?: string;
  server?: string;
  tool?: string;
  highlights?: string[];
  source?: ApprovalSource;
}

/** Joins names (agents, teams, servers, people) and the request's audit details in a few queries. */
async function toViews(db: Tx, rows: ApprovalRequest[], now: Date): Promise<ApprovalView[]> {
  if (rows.length === 0) return [];
  const ids = (pick: (r: ApprovalRequest) => string | null) => [
    ...new Set(rows.map(pick).filter((v): v is string => v !== null)),
  ];
  const [agents, teams, servers, users, requests] = await Promise.all([
    db.agent.findMany({ where: { id: { in: ids((r) => r.agentId) } }, select: { id: true, name: true } }),
    db.team.findMany({
      where: { id: { in: [...ids((r) => r.teamId), ...new Set(rows.flatMap((r) => r.teamIds))] } },
      select: { id: true, name: true },
    }),
    db.server.findMany({ where: { id: { in: ids((r) => r.serverId) } }, select: { id: true, name: true } }),
    db.user.findMany({
      where: { id: { in: [...ids((r) => r.onBehalfOf), ...ids((r) => r.decidedById)] } },
      select: { id: true, email: true, name: true },
    }),
    db.adminAuditLog.findMany({
      where: { action: "approval.request", targetType: "approval", targetId: { in: rows.map((r) => r.id) } },
      select: { targetId: true, details: true },
    }),
  ]);
  const byId = <T extends { id: string }>(list: T[]) => new Map(list.map((x) => [x.id, x]));
  const agentById = byId(agents);
  const teamById = byId(teams);
  const serverById = byId(servers);
  const userById = byId(users);
  const details = new Map(requests.map((r) => [r.targetId, (r.details ?? {}) as RequestDetails]));

  return rows.map((r) => {
    const d = details.get(r.id) ?? {};
    const serverName = serverById.get(r.serverId)?.name ?? d.server ?? r.serverId;
    const status: ApprovalViewStatus = r.status === "pending" && r.expiresAt <= now ? "expired" : r.status;
    const agent =
      r.agentId === null
        ? null
        : { id: r.agentId, name: agentById.get(r.agentId)?.name ?? d.agent ?? r.agentId };
    const client = r.clientId === null ? null : { id: r.clientId, name: r.clientName ?? r.clientId };
    const requester = r.onBehalfOf ? (userById.get(r.onBehalfOf) ?? null) : null;
    const teamIds = r.teamIds.length > 0 ? r.teamIds : r.teamId ? [r.teamId] : [];
    const teams = teamIds.flatMap((id) => teamById.get(id) ?? []);
    return {
      id: r.id,
      status,
      agent,
      client,
      team: r.teamId ? (teamById.get(r.teamId) ?? null) : (teams[0] ?? null),
      teams,
      caller: agent
        ? `agent ${agent.name}`
        : `person ${requester?.email ?? d.agent ?? "unknown"} via ${client?.name ?? "an OAuth client"}`,
      requester,
      server: { id: r.serverId, name: serverName },
      toolName: r.toolName,
      exposedName: d.tool ?? exposedToolName(serverName, r.toolName),
      riskClass: r.riskClass,
      reason: r.reason,
      arguments: r.arguments,
      argumentsHash: r.argumentsHash,
      highlights: Array.isArray(d.highlights) ? d.highlights.filter((h) => typeof h === "string") : [],
      source: d.source ?? null,
      requestId: r.requestId,
      requestedAt: r.requestedAt,
      expiresAt: r.expiresAt,
      decidedAt: r.decidedAt,
      decidedBy: r.decidedById ? (userById.get(r.decidedById) ?? null) : null,
      comment: r.comment,
    };
  });
}
