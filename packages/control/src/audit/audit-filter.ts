import { AppError } from "@portcullis/contracts/errors";
import { Prisma } from "@portcullis/db/client";
import { utcTimestamp } from "./sql-time";

/**
 * Whose events: one organization (the console, always, from the caller's session), or the
 * whole installation (the CLI, run by whoever holds the database credentials).
 */
export type AuditScope = { orgId: string } | "installation";

/** What the audit views filter on; every field narrows (AND). */
export interface AuditEventFilter {
  /**
   * Full-text search over tool, server, agent, arguments and result summary, in web
   * search syntax: words (all must match), "a phrase", `or`, `-word` to exclude.
   */
  q?: string;
  /** occurredAt ≥ from. */
  from?: Date;
  /** occurredAt < to. */
  to?: Date;
  agentId?: string;
  /** Agent name or id (the CLI's `--agent`). */
  agent?: string;
  teamId?: string;
  userId?: string;
  serverId?: string;
  /** Exposed tool name (`server__tool`), exact. */
  tool?: string;
  decision?: string;
  /** Portal name; `null`: requests through the default `/mcp` endpoint only. */
  portal?: string | null;
  /** A DLP detector that fired on the call (`email`, `aws-key`…). */
  detector?: string;
  minLatencyMs?: number;
  maxLatencyMs?: number;
}

/**
 * The WHERE clause of `filter` within `scope`, over audit_events aliased `e`. Every
 * condition is a sargable column test so the planner can pick the index that fits
 * (see the audit_search migration).
 */
export function auditWhere(scope: AuditScope, filter: AuditEventFilter): Prisma.Sql {
  const and: Prisma.Sql[] = [];
  if (scope !== "installation") and.push(Prisma.sql`e.org_id = ${scope.orgId}`);
  const q = filter.q?.trim();
  if (q) and.push(Prisma.sql`e.search_vector @@ websearch_to_tsquery('simple', ${q})`);
  if (filter.from) and.push(Prisma.sql`e.occurred_at >= ${utcTimestamp(filter.from)}`);
  if (filter.to) and.push(Prisma.sql`e.occurred_at < ${utcTimestamp(filter.to)}`);
  if (filter.agentId !== undefined) and.push(Prisma.sql`e.agent_id = ${filter.agentId}`);
  if (filter.agent !== undefined) {
    and.push(Prisma.sql`(e.agent_name = ${filter.agent} OR e.agent_id = ${filter.agent})`);
  }
  if (filter.teamId !== undefined) and.push(Prisma.sql`e.team_id = ${filter.teamId}`);
  if (filter.userId !== undefined) and.push(Prisma.sql`e.user_id = ${filter.userId}`);
  if (filter.serverId !== undefined) and.push(Prisma.sql`e.server_id = ${filter.serverId}`);
  if (filter.tool !== undefined) and.push(Prisma.sql`e.tool_name = ${filter.tool}`);
  if (filter.decision !== undefined) and.push(Prisma.sql`e.decision = ${filter.decision}`);
  if (filter.portal === null) and.push(Prisma.sql`e.portal IS NULL`);
  else if (filter.portal !== undefined) and.push(Prisma.sql`e.portal = ${filter.portal}`);
  if (filter.detector !== undefined) {
    const finding = JSON.stringify([{ detector: filter.detector }]);
    and.push(Prisma.sql`e.dlp @> ${finding}::jsonb`);
  }
  if (filter.minLatencyMs !== undefined) and.push(Prisma.sql`e.latency_ms >= ${filter.minLatencyMs}`);
  if (filter.maxLatencyMs !== undefined) and.push(Prisma.sql`e.latency_ms <= ${filter.maxLatencyMs}`);
  return and.length === 0 ? Prisma.sql`TRUE` : Prisma.join(and, " AND ");
}

/** Keyset position: the (occurredAt, id) of the last row of a page, newest first. */
export interface AuditCursor {
  at: Date;
  id: string;
}

export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id]), "utf8").toString("base64url");
}

export function decodeAuditCursor(cursor: string): AuditCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    const date = new Date(at);
    if (typeof id !== "string" || Number.isNaN(date.getTime())) throw new Error("bad cursor");
    return { at: date, id };
  } catch {
    throw new AppError(
      "INVALID_INPUT",
      "the cursor is not one this search returned; start again without it",
      {
        details: { field: "cursor" },
      },
    );
  }
}

/** Rows strictly after `cursor` in newest-first order (one range on the keyset index). */
export function afterCursor(cursor: AuditCursor): Prisma.Sql {
  return Prisma.sql`(e.occurred_at, e.id) < (${utcTimestamp(cursor.at)}, ${cursor.id})`;
}
