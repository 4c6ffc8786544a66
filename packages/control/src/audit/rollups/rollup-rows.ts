import { Prisma } from "@portcullis/db/client";

/**
 * How audit events become rollup rows. The worker's fold and the dashboard's raw tail
 * both shape events with these fragments, so a number reads the same whether its events
 * were folded yet or not.
 */

export const HOUR = 3600;
export const DAY = 86_400;

/** audit_rollups.portal for the default /mcp endpoint: no portal name contains a slash. */
export const DEFAULT_PORTAL = "/";

/**
 * The columns an `events` CTE must select from audit_events for `countRows`/`latencyRows`.
 * The first eight are audit_events_org_timeline_idx's, so reading them is an index-only scan.
 */
export const EVENT_COLUMNS = Prisma.sql`occurred_at, decision, is_error, method, latency_ms, server_id,
  tool_name, agent_id, coalesce(portal, ${DEFAULT_PORTAL}) AS portal,
  CASE WHEN decision IN ('denied', 'error') THEN reason END AS reason`;

const denied = Prisma.sql`decision = 'denied'`;
const failed = Prisma.sql`(decision = 'error' OR (decision = 'allowed' AND is_error))`;

/**
 * Latency as stored in the rollup: three significant digits (0.5 % at most), the price of
 * a bounded number of rows per server and hour. In float8, dividing by an exact power of
 * ten (numeric's log is slow at a million rows): integer milliseconds under 1,000 stay exact.
 */
export const roundedLatency = Prisma.sql`CASE
  WHEN latency_ms >= 1000 THEN round(latency_ms / 10 ^ (floor(log(latency_ms)) - 2)) * 10 ^ (floor(log(latency_ms)) - 2)
  WHEN latency_ms > 0 THEN round(latency_ms * 10 ^ (2 - floor(log(latency_ms)))) / 10 ^ (2 - floor(log(latency_ms)))
  ELSE latency_ms END`;

/**
 * Counts per (bucket_seconds, start, portal, dim, key) for the bucket widths `widths`, over
 * the CTE `events`. Daily rows carry no `all` dimension: the request chart needs hours.
 */
export function countRows(events: string, widths: number[]): Prisma.Sql {
  return Prisma.sql`
    SELECT w.s AS bucket_seconds,
           date_bin(w.s * INTERVAL '1 second', e.occurred_at, TIMESTAMP '2000-01-01') AS start,
           e.portal, d.dim, d.key,
           count(*) AS total, count(*) FILTER (WHERE ${denied}) AS denied,
           count(*) FILTER (WHERE ${failed}) AS errors,
           count(*) FILTER (WHERE decision = 'allowed' AND is_error) AS tool_errors
      FROM ${Prisma.raw(events)} e
      CROSS JOIN (SELECT unnest(${widths}::int[]) AS s) w
      CROSS JOIN LATERAL (VALUES
        ('all', CASE WHEN w.s = ${HOUR} THEN '' END),
        ('tool', e.tool_name),
        ('agent', e.agent_id),
        ('server', CASE WHEN e.method = 'tools/call' THEN e.server_id END),
        ('denied_reason', CASE WHEN e.decision = 'denied' THEN coalesce(e.reason, 'no reason recorded') END),
        ('error_reason', CASE WHEN e.decision = 'error' THEN coalesce(e.reason, 'no reason recorded') END)
      ) AS d(dim, key)
     WHERE d.key IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5`;
}

/** tools/call calls per (bucket_seconds, start, portal, server_id, rounded latency) over `events`. */
export function latencyRows(events: string, widths: number[]): Prisma.Sql {
  return Prisma.sql`
    SELECT w.s AS bucket_seconds,
           date_bin(w.s * INTERVAL '1 second', e.occurred_at, TIMESTAMP '2000-01-01') AS start,
           e.portal, e.server_id, ${roundedLatency} AS latency_ms, count(*) AS calls
      FROM ${Prisma.raw(events)} e
      CROSS JOIN (SELECT unnest(${widths}::int[]) AS s) w
     WHERE e.method = 'tools/call' AND e.server_id IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5`;
}
