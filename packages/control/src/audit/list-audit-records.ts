import { Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";
import { type AuditEventRecord, type RawRecord, RECORD_COLUMNS, toRecord } from "./audit-event-record";
import {
  type AuditEventFilter,
  type AuditScope,
  afterCursor,
  auditWhere,
  decodeAuditCursor,
  encodeAuditCursor,
} from "./audit-filter";
import { type AuditPageOptions, pageLimit } from "./search-audit-events";

export interface AuditRecordPage {
  items: AuditEventRecord[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Like searchAuditEvents (same filter, order and cursors), but every column of each event:
 * for the CLI and exports, where the arguments are wanted and the page is not a table.
 */
export async function listAuditRecords(
  db: Tx,
  scope: AuditScope,
  filter: AuditEventFilter,
  options: AuditPageOptions = {},
): Promise<AuditRecordPage> {
  const limit = pageLimit(options.limit);
  const where = [auditWhere(scope, filter)];
  if (options.cursor !== undefined) where.push(afterCursor(decodeAuditCursor(options.cursor)));
  const rows = await db.$queryRaw<RawRecord[]>`
    SELECT ${RECORD_COLUMNS} FROM audit_events e
     WHERE ${Prisma.join(where, " AND ")}
     ORDER BY e.occurred_at DESC, e.id DESC
     LIMIT ${limit + 1}`;
  const items = rows.slice(0, limit).map(toRecord);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeAuditCursor({ at: last.occurredAt, id: last.id }) : null,
  };
}
