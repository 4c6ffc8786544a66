import { AppError } from "@portcullis/contracts/errors";
import type { Tx } from "../db";
import { type AuditEventRecord, type RawRecord, RECORD_COLUMNS, toRecord } from "./audit-event-record";

/**
 * One audit event of organization `orgId`, every column. Another organization's event is
 * NOT_FOUND, exactly like one that does not exist, so ids leak nothing across tenants.
 */
export async function getAuditEvent(db: Tx, orgId: string, id: string): Promise<AuditEventRecord> {
  const [row] = await db.$queryRaw<RawRecord[]>`
    SELECT ${RECORD_COLUMNS} FROM audit_events e WHERE e.id = ${id} AND e.org_id = ${orgId}`;
  if (!row) throw new AppError("NOT_FOUND", `audit event ${id} does not exist`);
  return toRecord(row);
}
