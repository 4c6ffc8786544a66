import { AppError } from "@portcullis/contracts/errors";
import { type Db, Prisma } from "@portcullis/db/client";
import { raiseRollupFloor } from "./rollups/raise-rollup-floor";
import { utcTimestamp } from "./sql-time";

export interface AuditRetentionOptions {
  /** Events that occurred before this instant are deleted. */
  olderThan: Date;
  /** Rows per DELETE statement: each is short, so ingest and search never wait long. Default 5,000. */
  batchSize?: number;
}

export interface AuditRetentionResult {
  deleted: number;
  /** DELETE statements run. */
  batches: number;
}

const DEFAULT_BATCH = 5_000;

/**
 * Deletes audit events older than `olderThan`, in batches, chain by chain (each
 * organization, then events without organization).
 *
 * A chain loses only a prefix, so it still verifies (its first remaining event is the
 * anchor): each batch takes the chain's oldest positions and deletes them up to the first
 * event that is not old yet. An old event that arrived late (a spool replayed days later)
 * sits after newer ones in its chain and waits until they expire too, so retention never
 * deletes an event that is not old, and never cuts a hole in a chain.
 */
export async function applyAuditRetention(
  db: Db,
  options: AuditRetentionOptions,
): Promise<AuditRetentionResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new AppError("INVALID_INPUT", `batchSize must be a positive integer (got ${batchSize})`);
  }
  // First, so the dashboard never adds rollup rows whose events are already gone.
  await raiseRollupFloor(db, options.olderThan);
  const orgs = await db.organization.findMany({ select: { id: true }, orderBy: { id: "asc" } });
  const result: AuditRetentionResult = { deleted: 0, batches: 0 };
  for (const orgId of [...orgs.map((o) => o.id), null]) {
    const owner = orgId === null ? Prisma.sql`org_id IS NULL` : Prisma.sql`org_id = ${orgId}`;
    await drain(result, batchSize, () => deleteChainPrefix(db, owner, options.olderThan, batchSize));
    // Events stored before chaining existed belong to no chain: plain age-based deletion.
    await drain(result, batchSize, () => deleteUnchained(db, owner, options.olderThan, batchSize));
  }
  return result;
}

async function drain(result: AuditRetentionResult, batchSize: number, batch: () => Promise<number>) {
  for (;;) {
    const deleted = await batch();
    result.batches++;
    result.deleted += deleted;
    if (deleted < batchSize) return;
  }
}

function deleteChainPrefix(db: Db, owner: Prisma.Sql, olderThan: Date, batchSize: number): Promise<number> {
  return db.$executeRaw`
    WITH head AS (
      SELECT id, chain_seq, occurred_at FROM audit_events
       WHERE ${owner} AND chain_seq IS NOT NULL
       ORDER BY chain_seq
       LIMIT ${batchSize}
    ), keep AS (
      SELECT min(chain_seq) AS from_seq FROM head WHERE occurred_at >= ${utcTimestamp(olderThan)}
    )
    DELETE FROM audit_events e USING head, keep
     WHERE e.id = head.id AND (keep.from_seq IS NULL OR head.chain_seq < keep.from_seq)`;
}

function deleteUnchained(db: Db, owner: Prisma.Sql, olderThan: Date, batchSize: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM audit_events WHERE id IN (
      SELECT id FROM audit_events
       WHERE ${owner} AND chain_seq IS NULL AND occurred_at < ${utcTimestamp(olderThan)}
       LIMIT ${batchSize})`;
}
