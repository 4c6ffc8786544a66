import { Prisma } from "@portcullis/db/client";
import type { Db, Tx } from "../../db";
import { utcTimestamp } from "../sql-time";
import { countRows, DAY, EVENT_COLUMNS, HOUR, latencyRows } from "./rollup-rows";

export interface FoldResult {
  /** Events folded into the rollups by this call. */
  events: number;
  /** Organizations whose watermark moved. */
  organizations: number;
}

/** Chain positions folded per transaction: bounded work, so a backlog drains in steps. */
const DEFAULT_CHUNK = 200_000;
const ANALYZE_AFTER = 100_000;

/**
 * Folds every organization's audit events newer than its watermark into the dashboard
 * rollups (hourly and daily rows), until each is caught up.
 *
 * The watermark is a position in the organization's hash chain. Ingest appends to a chain
 * under a transaction-scoped lock, so chain positions become visible in order: once
 * position n is visible, every position below it is too, and no later commit can land
 * behind the watermark. Each step folds and moves the watermark in one transaction, under
 * an advisory lock per organization, so it is idempotent, survives a crash at any point
 * and runs safely in several workers at once. Before its first chain position, an
 * organization's events stored before chaining existed (chain_seq null) are folded a day
 * at a time; the dashboard uses the rollups once the watermark has a chain position.
 */
export async function foldAuditRollups(db: Db, options: { chunk?: number } = {}): Promise<FoldResult> {
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  const orgs = await db.organization.findMany({ select: { id: true }, orderBy: { id: "asc" } });
  const result: FoldResult = { events: 0, organizations: 0 };
  for (const { id } of orgs) {
    let moved = false;
    for (;;) {
      const step = await db.$transaction((tx) => foldStep(tx, id, chunk), {
        maxWait: 10_000,
        timeout: 600_000,
      });
      if (step === null) break;
      moved = true;
      result.events += step;
    }
    if (moved) result.organizations++;
  }
  // After a large build (a first fold, a long backlog) the planner needs the tables' new
  // statistics now, not at autovacuum's next visit: the dashboard's plans depend on them.
  if (result.events >= ANALYZE_AFTER) await db.$executeRaw`ANALYZE audit_rollups, audit_rollup_latency`;
  return result;
}

/** One transaction's worth: the events folded, or null when the organization was caught up. */
async function foldStep(tx: Tx, orgId: string, chunk: number): Promise<number | null> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit-rollup:${orgId}`}, 0))`;
  await tx.$executeRaw`SET LOCAL jit = off`;
  await tx.$executeRaw`SET LOCAL work_mem = '64MB'`;
  const [mark] = await tx.$queryRaw<Array<{ chain_seq: bigint | null; legacy_until: Date | null }>>`
    SELECT chain_seq, legacy_until FROM audit_rollup_watermarks WHERE org_id = ${orgId}`;
  const built = mark !== undefined && mark.chain_seq !== null;

  // Not built: first the events from before chaining existed, a day of them per step (no
  // position to resume from but their time; none arrive any more).
  if (!built) {
    const after = mark?.legacy_until ?? new Date(0);
    const [next] = await tx.$queryRaw<Array<{ day: Date | null }>>`
      SELECT date_bin('1 day', min(occurred_at), TIMESTAMP '2000-01-01') AS day FROM audit_events
       WHERE org_id = ${orgId} AND chain_seq IS NULL AND occurred_at >= ${utcTimestamp(after)}`;
    if (next?.day) {
      const until = new Date(Math.max(next.day.getTime() + DAY * 1000, after.getTime()));
      const folded = await foldEvents(
        tx,
        orgId,
        Prisma.sql`chain_seq IS NULL AND occurred_at >= ${utcTimestamp(after)} AND occurred_at < ${utcTimestamp(until)}`,
      );
      await tx.$executeRaw`
        INSERT INTO audit_rollup_watermarks (org_id, legacy_until, folded_at) VALUES (${orgId}, ${utcTimestamp(until)}, now())
        ON CONFLICT (org_id) DO UPDATE SET legacy_until = EXCLUDED.legacy_until, folded_at = EXCLUDED.folded_at`;
      return folded;
    }
  }

  const [head] = await tx.$queryRaw<Array<{ seq: bigint | null }>>`
    SELECT max(chain_seq) AS seq FROM audit_events WHERE org_id = ${orgId}`;
  const headSeq = head?.seq ?? 0n;
  const from = built ? mark.chain_seq! : 0n;
  if (built && headSeq <= from) return null;
  const upTo = headSeq - from > BigInt(chunk) ? from + BigInt(chunk) : headSeq;
  const folded = await foldEvents(tx, orgId, Prisma.sql`chain_seq > ${from} AND chain_seq <= ${upTo}`);
  await tx.$executeRaw`
    INSERT INTO audit_rollup_watermarks (org_id, chain_seq, folded_at) VALUES (${orgId}, ${upTo}, now())
    ON CONFLICT (org_id) DO UPDATE SET chain_seq = EXCLUDED.chain_seq, folded_at = EXCLUDED.folded_at`;
  return folded;
}

/** Adds the organization's events matching `selected` to the rollup rows; returns how many. */
async function foldEvents(tx: Tx, orgId: string, selected: Prisma.Sql): Promise<number> {
  const events = Prisma.sql`events AS MATERIALIZED (
      SELECT ${EVENT_COLUMNS} FROM audit_events WHERE org_id = ${orgId} AND ${selected})`;
  // One statement: the events are read once, for both tables.
  const [{ folded }] = await tx.$queryRaw<[{ folded: bigint }]>`
    WITH ${events}, counts AS (
      INSERT INTO audit_rollups (org_id, bucket_seconds, start, portal, dim, key, total, denied, errors, tool_errors)
      SELECT ${orgId}, r.* FROM (${countRows("events", [HOUR, DAY])}) r
      ON CONFLICT (org_id, bucket_seconds, dim, start, portal, key) DO UPDATE SET
        total = audit_rollups.total + EXCLUDED.total,
        denied = audit_rollups.denied + EXCLUDED.denied,
        errors = audit_rollups.errors + EXCLUDED.errors,
        tool_errors = audit_rollups.tool_errors + EXCLUDED.tool_errors
    ), latency AS (
      INSERT INTO audit_rollup_latency (org_id, bucket_seconds, start, portal, server_id, latency_ms, calls)
      SELECT ${orgId}, r.* FROM (${latencyRows("events", [HOUR, DAY])}) r
      ON CONFLICT (org_id, bucket_seconds, server_id, start, portal, latency_ms) DO UPDATE SET
        calls = audit_rollup_latency.calls + EXCLUDED.calls
    )
    SELECT count(*) AS folded FROM events`;
  return Number(folded);
}
