import { AppError } from "@portcullis/contracts/errors";
import { Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";
import {
  type AuditEventFilter,
  type AuditScope,
  afterCursor,
  auditWhere,
  decodeAuditCursor,
  encodeAuditCursor,
} from "./audit-filter";

/** One row of the audit results table: everything but the (possibly large) arguments. */
export interface AuditEventSummary {
  id: string;
  occurredAt: Date;
  method: string;
  agentId: string | null;
  agentName: string | null;
  teamId: string | null;
  userId: string | null;
  serverId: string | null;
  serverName: string | null;
  toolName: string | null;
  decision: string;
  reason: string | null;
  errorCode: number | null;
  isError: boolean;
  latencyMs: number;
  upstreamStatus: string | null;
  /** The first SUMMARY_PREVIEW characters of the result summary. */
  resultPreview: string | null;
  /** DLP detectors that fired, distinct. */
  detectors: string[];
}

export interface AuditSearchPage {
  items: AuditEventSummary[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface AuditPageOptions {
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1…MAX_AUDIT_PAGE; default 50. */
  limit?: number;
}

export const MAX_AUDIT_PAGE = 500;
const DEFAULT_LIMIT = 50;
const SUMMARY_PREVIEW = 200;

const SUMMARY_COLUMNS = Prisma.sql`
  e.id, e.occurred_at AS "occurredAt", e.method, e.agent_id AS "agentId", e.agent_name AS "agentName",
  e.team_id AS "teamId", e.user_id AS "userId", e.server_id AS "serverId", e.server_name AS "serverName",
  e.tool_name AS "toolName", e.decision, e.reason, e.error_code AS "errorCode", e.is_error AS "isError",
  e.latency_ms AS "latencyMs", e.upstream_status AS "upstreamStatus",
  left(e.result_summary, ${SUMMARY_PREVIEW}) AS "resultPreview",
  ARRAY(SELECT DISTINCT f->>'detector' FROM jsonb_array_elements(
    CASE WHEN jsonb_typeof(e.dlp) = 'array' THEN e.dlp ELSE '[]'::jsonb END) AS f
    WHERE f->>'detector' IS NOT NULL ORDER BY 1) AS detectors`;

/**
 * Audit events matching `filter`, newest first, a page at a time. Keyset pagination on
 * (occurredAt, id): a page costs the same at any depth, and events arriving meanwhile
 * never shift a page (no duplicates, no gaps). Full-text search (`q`) and every filter
 * combine; see AuditEventFilter.
 */
export async function searchAuditEvents(
  db: Tx,
  scope: AuditScope,
  filter: AuditEventFilter,
  options: AuditPageOptions = {},
): Promise<AuditSearchPage> {
  const limit = pageLimit(options.limit);
  const where = [auditWhere(scope, filter)];
  if (options.cursor !== undefined) where.push(afterCursor(decodeAuditCursor(options.cursor)));
  const rows = await db.$queryRaw<AuditEventSummary[]>`
    SELECT ${SUMMARY_COLUMNS}
      FROM audit_events e
     WHERE ${Prisma.join(where, " AND ")}
     ORDER BY e.occurred_at DESC, e.id DESC
     LIMIT ${limit + 1}`;
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeAuditCursor({ at: last.occurredAt, id: last.id }) : null,
  };
}

export function pageLimit(limit: number | undefined): number {
  const value = limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(value) || value < 1 || value > MAX_AUDIT_PAGE) {
    throw new AppError(
      "INVALID_INPUT",
      `limit must be an integer from 1 to ${MAX_AUDIT_PAGE} (got ${value})`,
      {
        details: { field: "limit" },
      },
    );
  }
  return value;
}
