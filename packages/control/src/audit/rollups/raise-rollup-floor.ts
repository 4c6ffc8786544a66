import type { Db } from "../../db";
import { utcTimestamp } from "../sql-time";

/**
 * Before retention deletes events older than `olderThan`: the dashboard stops trusting
 * rollup rows that start before it (they count events about to go) and reads that part
 * from the events themselves, and the rows wholly before it are dropped.
 */
export async function raiseRollupFloor(db: Db, olderThan: Date): Promise<void> {
  const at = utcTimestamp(olderThan);
  await db.$executeRaw`
    INSERT INTO audit_rollup_watermarks (org_id, floor) SELECT id, ${at} FROM organizations
    ON CONFLICT (org_id) DO UPDATE SET floor = greatest(audit_rollup_watermarks.floor, EXCLUDED.floor)`;
  await db.$executeRaw`DELETE FROM audit_rollups WHERE start + bucket_seconds * INTERVAL '1 second' <= ${at}`;
  await db.$executeRaw`DELETE FROM audit_rollup_latency WHERE start + bucket_seconds * INTERVAL '1 second' <= ${at}`;
}
