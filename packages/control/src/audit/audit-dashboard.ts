import { AppError } from "@portcullis/contracts/errors";
import { Prisma } from "@portcullis/db/client";
import type { Db } from "../db";
import { dashboardFromRollups } from "./rollups/dashboard-from-rollups";
import { utcTimestamp } from "./sql-time";

export interface AuditDashboard {
  from: Date;
  to: Date;
  /** Width of each bucket of `buckets`. */
  bucketSeconds: number;
  totals: DecisionCounts;
  /** Every bucket from `from` to `to`, empty ones included, oldest first. */
  buckets: Array<DecisionCounts & { start: Date }>;
  /** decision "denied", by policy reason, most frequent first. */
  denialsByReason: ReasonCount[];
  /** decision "error", or an allowed call whose tool returned an error, by reason. */
  errorsByReason: ReasonCount[];
  /** tools/call latency (gateway, end to end) per upstream server, busiest first. */
  latencyByServer: Array<{
    serverId: string;
    serverName: string | null;
    calls: number;
    p50Ms: number;
    p95Ms: number;
  }>;
  topTools: Array<{ toolName: string; calls: number; denied: number; errors: number }>;
  topAgents: Array<{
    agentId: string;
    agentName: string | null;
    calls: number;
    denied: number;
    errors: number;
  }>;
}

export interface DecisionCounts {
  /** Every request the gateway handled. */
  total: number;
  denied: number;
  errors: number;
}

export interface ReasonCount {
  reason: string;
  count: number;
}

/** Bucket widths to choose from, so that a range is drawn with at most MAX_BUCKETS bars. */
const BUCKET_SECONDS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400];
const MAX_BUCKETS = 60;
const MAX_RANGE_DAYS = 366;
const TOP = 10;

/**
 * The dashboard's numbers for organization `orgId` over [from, to): requests over time,
 * denials and errors by reason, latency percentiles per server, busiest tools and agents.
 * From the worker's rollups where they are built (whole hours and days, plus the events
 * not folded yet; see dashboard-from-rollups), else in one statement over the events: the
 * range is read once (on the (org_id, occurred_at) index) and every aggregate is taken
 * over that one pass. Both give the same answer.
 */
export async function getAuditDashboard(
  db: Db,
  orgId: string,
  range: { from: Date; to: Date; portal?: string },
  options: { rollups?: boolean } = {},
): Promise<AuditDashboard> {
  const { from, to } = range;
  const seconds = (to.getTime() - from.getTime()) / 1000;
  if (!(seconds > 0))
    throw new AppError("INVALID_INPUT", "`from` must be before `to`", { details: { field: "from" } });
  if (seconds > MAX_RANGE_DAYS * 86_400) {
    throw new AppError("INVALID_INPUT", `the range may span at most ${MAX_RANGE_DAYS} days`, {
      details: { field: "from" },
    });
  }
  const bucketSeconds = BUCKET_SECONDS.find((s) => seconds / s <= MAX_BUCKETS) ?? BUCKET_SECONDS.at(-1)!;
  const bucket = Prisma.sql`date_bin(${`${bucketSeconds} seconds`}::interval, occurred_at, TIMESTAMP '2000-01-01')`;
  const denied = Prisma.sql`decision = 'denied'`;
  const failed = Prisma.sql`(decision = 'error' OR (decision = 'allowed' AND is_error))`;

  // Names are not in the index: the catalog's current name, else the latest event's (a
  // deleted server or agent), looked up for the ten rows shown only.
  const nameOf = (table: "servers" | "agents", idColumn: string, nameColumn: string) =>
    Prisma.sql`coalesce(
      (SELECT c.name FROM ${Prisma.raw(table)} c WHERE c.id = top.${Prisma.raw(idColumn)} AND c.org_id = ${orgId}),
      (SELECT e.${Prisma.raw(nameColumn)} FROM audit_events e
        WHERE e.org_id = ${orgId} AND e.${Prisma.raw(idColumn)} = top.${Prisma.raw(idColumn)}
        ORDER BY e.occurred_at DESC LIMIT 1))`;
  // One portal's requests (`/mcp/<portal>`): read on the (org_id, portal, occurred_at) index.
  const ofPortal = range.portal === undefined ? Prisma.empty : Prisma.sql`AND portal = ${range.portal}`;
  const inRange = Prisma.sql`org_id = ${orgId}
    AND occurred_at >= ${utcTimestamp(from)} AND occurred_at < ${utcTimestamp(to)} ${ofPortal}`;
  const query = Prisma.sql`
    WITH range AS MATERIALIZED (
      -- Only columns of audit_events_org_timeline_idx: an index-only scan, however wide the rows.
      SELECT occurred_at, decision, is_error, method, latency_ms, server_id, tool_name, agent_id
        FROM audit_events WHERE ${inRange}
    ), refused AS MATERIALIZED (
      -- Reasons are not in the index: fetched for denied and failed calls only.
      SELECT decision, reason FROM audit_events WHERE ${inRange} AND decision IN ('denied', 'error')
    )
    SELECT
      (SELECT jsonb_build_object('total', count(*), 'denied', count(*) FILTER (WHERE ${denied}),
                                 'errors', count(*) FILTER (WHERE ${failed}))
         FROM range) AS totals,
      (SELECT coalesce(jsonb_agg(b ORDER BY b.start), '[]') FROM (
         SELECT ${bucket} AS start, count(*) AS total,
                count(*) FILTER (WHERE ${denied}) AS denied, count(*) FILTER (WHERE ${failed}) AS errors
           FROM range GROUP BY 1) b) AS buckets,
      (SELECT coalesce(jsonb_agg(r ORDER BY r.count DESC, r.reason), '[]') FROM (
         SELECT coalesce(reason, 'no reason recorded') AS reason, count(*) AS count
           FROM refused WHERE ${denied} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}) r) AS denials,
      (SELECT coalesce(jsonb_agg(r ORDER BY r.count DESC, r.reason), '[]') FROM (
         SELECT reason, count FROM (
           SELECT coalesce(reason, 'no reason recorded') AS reason, count(*) AS count
             FROM refused WHERE decision = 'error' GROUP BY 1
           UNION ALL
           SELECT 'the tool returned an error', count(*) FROM range
            WHERE decision = 'allowed' AND is_error HAVING count(*) > 0) u
          ORDER BY 2 DESC, 1 LIMIT ${TOP}) r) AS errors,
      (SELECT coalesce(jsonb_agg(s ORDER BY s.calls DESC, s."serverId"), '[]') FROM (
         SELECT top.server_id AS "serverId", ${nameOf("servers", "server_id", "server_name")} AS "serverName",
                top.calls, top.p50 AS "p50Ms", top.p95 AS "p95Ms"
           FROM (SELECT server_id, count(*) AS calls,
                        percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                        percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
                   FROM range WHERE method = 'tools/call' AND server_id IS NOT NULL
                  GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}) top) s) AS servers,
      (SELECT coalesce(jsonb_agg(t ORDER BY t.calls DESC, t."toolName"), '[]') FROM (
         SELECT tool_name AS "toolName", count(*) AS calls,
                count(*) FILTER (WHERE ${denied}) AS denied, count(*) FILTER (WHERE ${failed}) AS errors
           FROM range WHERE tool_name IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}) t) AS tools,
      (SELECT coalesce(jsonb_agg(a ORDER BY a.calls DESC, a."agentId"), '[]') FROM (
         SELECT top.agent_id AS "agentId", ${nameOf("agents", "agent_id", "agent_name")} AS "agentName",
                top.calls, top.denied, top.errors
           FROM (SELECT agent_id, count(*) AS calls,
                        count(*) FILTER (WHERE ${denied}) AS denied, count(*) FILTER (WHERE ${failed}) AS errors
                   FROM range WHERE agent_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}) top) a) AS agents`;

  // One aggregate query over up to a year of events (or its rollups): JIT compilation costs more than it
  // saves here, and the percentile sorts want memory rather than temporary files.
  const [row] = await db.$transaction(
    async (tx) => {
      // One round trip for both settings (SET LOCAL each).
      await tx.$queryRaw`SELECT set_config('jit', 'off', true), set_config('work_mem', '32MB', true)`;
      const fromRollups =
        options.rollups === false
          ? null
          : await dashboardFromRollups(tx, orgId, { ...range, bucketSeconds }, nameOf, TOP);
      return tx.$queryRaw<[RawDashboard]>(fromRollups ?? query);
    },
    { timeout: 120_000 },
  );

  return {
    from,
    to,
    bucketSeconds,
    totals: row.totals,
    buckets: fillBuckets(row.buckets, from, to, bucketSeconds),
    denialsByReason: row.denials,
    errorsByReason: row.errors,
    latencyByServer: row.servers,
    topTools: row.tools,
    topAgents: row.agents,
  };
}

interface RawDashboard {
  totals: DecisionCounts;
  /** `start` as jsonb renders a timestamp: ISO without zone, in UTC. */
  buckets: Array<DecisionCounts & { start: string }>;
  denials: ReasonCount[];
  errors: ReasonCount[];
  servers: AuditDashboard["latencyByServer"];
  tools: AuditDashboard["topTools"];
  agents: AuditDashboard["topAgents"];
}

/** Every bucket start in [from, to) on the same grid as date_bin (origin 2000-01-01 UTC). */
function fillBuckets(
  found: RawDashboard["buckets"],
  from: Date,
  to: Date,
  bucketSeconds: number,
): AuditDashboard["buckets"] {
  const width = bucketSeconds * 1000;
  const origin = Date.UTC(2000, 0, 1);
  const byStart = new Map(found.map((b) => [Date.parse(`${b.start}Z`), b]));
  const out: AuditDashboard["buckets"] = [];
  for (
    let start = origin + Math.floor((from.getTime() - origin) / width) * width;
    start < to.getTime();
    start += width
  ) {
    const b = byStart.get(start);
    out.push({
      start: new Date(start),
      total: b?.total ?? 0,
      denied: b?.denied ?? 0,
      errors: b?.errors ?? 0,
    });
  }
  return out;
}
