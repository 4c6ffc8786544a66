import type { Tx } from "../db";
import { type AuditRecordPage, listAuditRecords } from "./list-audit-records";

/** The CLI's `portcullis audit search` filters. */
export interface AuditSearch {
  /** Restrict to one organization (the console always does; the CLI searches the installation). */
  orgId?: string;
  /** Agent name or id. */
  agent?: string;
  /** Exposed tool name (`server__tool`). */
  tool?: string;
  decision?: string;
  /** Requests through this portal (`/mcp/<portal>`) only. */
  portal?: string;
  since?: Date;
  /** Page size, 1…500; default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface AuditPage {
  rows: AuditRecordPage["items"];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Audit events for the CLI, newest first, every column: listAuditRecords with the CLI's
 * flags (keyset pagination on (occurredAt, id), see searchAuditEvents).
 */
export async function searchAudit(db: Tx, search: AuditSearch): Promise<AuditPage> {
  const page = await listAuditRecords(
    db,
    search.orgId === undefined ? "installation" : { orgId: search.orgId },
    {
      ...(search.agent !== undefined && { agent: search.agent }),
      ...(search.tool !== undefined && { tool: search.tool }),
      ...(search.decision !== undefined && { decision: search.decision }),
      ...(search.portal !== undefined && { portal: search.portal }),
      ...(search.since !== undefined && { from: search.since }),
    },
    {
      ...(search.limit !== undefined && { limit: search.limit }),
      ...(search.cursor !== undefined && { cursor: search.cursor }),
    },
  );
  return { rows: page.items, nextCursor: page.nextCursor };
}
