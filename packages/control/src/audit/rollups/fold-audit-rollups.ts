import { Prisma } from "@portcullis/db/client";
import type { Db, Tx } from "../../db";
import { countRows, DAY, EVENT_COLUMNS, HOUR, latencyRows } from "./rollup-rows";

export interface FoldResult {
  /** Events folded into the rollups by this call. */
  events: number;
  /** Organizations whose watermark moved. */
  organizations: number;
}

/** Chain positions folded per transaction: bounded work, so a backlog drains in steps. */
const DEFAULT_CHUNK = 200_000;

/**
 * Folds every organization's audit events newer than its watermark into the dashboard
 * rollups (hourly and daily rows), until each is caught up.
 *
 * The watermark is a position in the organization's hash chain. Ingest appends to a chain
 * under a transaction-scoped lock, so chain positions become visible in order: once
 * position n is visible, every position below it is too, and no later commit can land
 * behind the watermark. Each step folds and moves the watermark in one transaction, under
 * an advisory lock per organization, so it is idempotent, survives a crash at any point
 * and runs safely in several workers at once. The first step of an organization also
 * folds its events stored before chaining existed (chain_seq null).
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
  return result;
}

/** One transaction's worth: the events folded, or null when the organization was caught up. */
async function foldStep(tx: Tx, orgId: string, chunk: number): Promise<number | null> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit-rollup:${orgId}`}, 0))`;
  await tx.$executeRaw`SET LOCAL jit = off`;
  await tx.$executeRaw`SET LOCAL work_mem = '64MB'`;
  const [mark] = await tx.$queryRaw<Array<{ chain_seq: bigint | null }>>`
    SELECT chain_seq FROM audit_rollup_watermarks WHERE org_id = ${orgId}`;
  const [head] = await tx.$queryRaw<Array<{ seq: bigint | null }>>`
    SELECT max(chain_seq) AS seq FROM audit_events WHERE org_id = ${orgId}`;
  const headSeq = head?.seq ?? 0n;
  const built = mark !== undefined && mark.chain_seq !== null;
  const from = built ? mark.chain_seq! : 0n;
  if (built && headSeq <= from) return null;
  const upTo = headSeq - from > BigInt(chunk) ? from + BigInt(chunk) : headSeq;

  const selected = built
    ? Prisma.sql`chain_seq > ${from} AND chain_seq <= ${upTo}`
    : Prisma.sql`(chain_seq IS NULL OR chain_seq <= ${upTo})`;
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
  await tx.$executeRaw`
    INSERT INTO audit_rollup_watermarks (org_id, chain_seq, folded_at) VALUES (${orgId}, ${upTo}, now())
    ON CONFLICT (org_id) DO UPDATE SET chain_seq = EXCLUDED.chain_seq, folded_at = EXCLUDED.folded_at`;
  return Number(folded);
}
