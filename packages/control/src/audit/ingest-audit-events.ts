import { type AuditEvent, RESULT_SUMMARY_MAX } from "@portcullis/contracts/audit";
import { type Db, Prisma } from "@portcullis/db/client";

export interface IngestAuditEventsResult {
  /** Rows written; events already stored (a retried job, a replayed spool) are not counted. */
  inserted: number;
  /** Events whose organization does not exist (any more), stored with `orgId` null. */
  detached: number;
}

/** An org deleted between the lookup and the insert fails the statement: look again, a few times. */
const MAX_ATTEMPTS = 3;
const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

/**
 * Writes a batch of audit events in one statement, idempotent by event id: a retried job
 * or a replayed spool never duplicates a row.
 *
 * Nothing in one event may make Postgres refuse the whole batch (the job would be retried
 * until it fails for good, taking 199 good events with it), so rows are made safe first:
 * an unknown organization becomes `orgId: null` (the event is kept, as an orphan), NUL
 * characters (which Postgres text and jsonb refuse) become U+FFFD, integers outside
 * Postgres' int4 become null, and the result summary is cut to RESULT_SUMMARY_MAX.
 */
export async function ingestAuditEvents(db: Db, events: AuditEvent[]): Promise<IngestAuditEventsResult> {
  if (events.length === 0) return { inserted: 0, detached: 0 };
  for (let attempt = 1; ; attempt++) {
    const knownOrgs = await existingOrgIds(db, events);
    const rows = events.map((event) => toRow(event, knownOrgs));
    const detached = events.filter((e) => e.orgId !== null && !knownOrgs.has(e.orgId)).length;
    try {
      const { count } = await db.auditEvent.createMany({ data: rows, skipDuplicates: true });
      return { inserted: count, detached };
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && isForeignKeyViolation(error)) continue;
      throw error;
    }
  }
}

async function existingOrgIds(db: Db, events: AuditEvent[]): Promise<Set<string>> {
  const ids = [...new Set(events.flatMap((e) => (e.orgId === null ? [] : [e.orgId])))];
  if (ids.length === 0) return new Set();
  const found = await db.organization.findMany({ where: { id: { in: ids } }, select: { id: true } });
  return new Set(found.map((org) => org.id));
}

function toRow(event: AuditEvent, knownOrgs: Set<string>): Prisma.AuditEventCreateManyInput {
  return {
    id: text(event.id),
    orgId: event.orgId !== null && knownOrgs.has(event.orgId) ? event.orgId : null,
    occurredAt: new Date(event.occurredAt),
    requestId: text(event.requestId),
    method: text(event.method),
    agentId: nullableText(event.agentId),
    agentName: nullableText(event.agentName),
    teamId: nullableText(event.teamId),
    userId: nullableText(event.userId),
    serverId: nullableText(event.serverId),
    serverName: nullableText(event.serverName),
    toolName: nullableText(event.toolName),
    decision: event.decision,
    reason: nullableText(event.reason),
    errorCode: int4(event.errorCode),
    arguments:
      event.arguments === null || event.arguments === undefined
        ? Prisma.DbNull
        : (withoutNul(event.arguments) as Prisma.InputJsonValue),
    resultSummary:
      event.resultSummary === null ? null : truncate(text(event.resultSummary), RESULT_SUMMARY_MAX),
    isError: event.isError,
    latencyMs: event.latencyMs,
    upstreamLatencyMs: event.upstreamLatencyMs,
    upstreamStatus: nullableText(event.upstreamStatus),
    protocolVersion: nullableText(event.protocolVersion),
    snapshotVersion: int4(event.snapshotVersion),
    approvalId: nullableText(event.approvalId ?? null),
    dlp: event.dlp && event.dlp.length > 0 ? (event.dlp as Prisma.InputJsonValue) : Prisma.DbNull,
  };
}

function text(value: string): string {
  return value.includes("\0") ? value.replaceAll("\0", "\uFFFD") : value;
}

function nullableText(value: string | null): string | null {
  return value === null ? null : text(value);
}

function int4(value: number | null): number | null {
  return value !== null && value >= INT4_MIN && value <= INT4_MAX ? value : null;
}

/** Cuts to `max` characters, marking the cut, without splitting a surrogate pair. */
function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/** Replaces NUL in every string (keys too) of a JSON value; walks only when one is there. */
function withoutNul(value: unknown): unknown {
  if (!JSON.stringify(value).includes("\\u0000")) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [text(k), walk(inner)]));
    }
    return v;
  };
  return walk(value);
}

function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2003";
}
