import { Prisma } from "@portcullis/db/client";
import type { Tx } from "../../db";
import { utcTimestamp } from "../sql-time";
import { countRows, DAY, EVENT_COLUMNS, HOUR, latencyRows } from "./rollup-rows";

export interface DashboardRange {
  from: Date;
  to: Date;
  portal?: string;
  bucketSeconds: number;
}

/**
 * The dashboard's statement over the rollups, or null where they cannot answer (not built
 * yet, chart bars narrower than an hour, or no whole hour in the range): the caller then
 * reads the events.
 *
 * Exact and fresh: whole hours (whole days for the rankings) come from the rollup rows;
 * the partial hours at either end, the part before the retention floor and every event
 * the worker has not folded yet (chain position past the watermark) come from
 * audit_events, shaped by the same fragments as the fold. Each raw part is an index range
 * scan, so its cost follows the size of the tail, not of the range.
 */
export async function dashboardFromRollups(
  tx: Tx,
  orgId: string,
  range: DashboardRange,
  nameOf: (table: "servers" | "agents", idColumn: string, nameColumn: string) => Prisma.Sql,
  top: number,
): Promise<Prisma.Sql | null> {
  if (range.bucketSeconds < HOUR) return null;
  const [mark] = await tx.$queryRaw<Array<{ chain_seq: bigint | null; floor: Date | null }>>`
    SELECT chain_seq, floor FROM audit_rollup_watermarks WHERE org_id = ${orgId}`;
  if (mark === undefined || mark.chain_seq === null) return null;
  const floorMs = mark.floor?.getTime() ?? Number.NEGATIVE_INFINITY;
  const cStart = Math.max(ceilTo(range.from.getTime(), HOUR), ceilTo(floorMs, HOUR));
  const cEnd = floorTo(range.to.getTime(), HOUR);
  if (!(cStart < cEnd)) return null;
  let dStart = ceilTo(cStart, DAY);
  let dEnd = floorTo(cEnd, DAY);
  if (!(dStart < dEnd)) dStart = dEnd = cEnd;

  const at = (ms: number) => utcTimestamp(new Date(ms));
  const ofPortal = range.portal === undefined ? Prisma.empty : Prisma.sql`AND portal = ${range.portal}`;
  const rawPart = (condition: Prisma.Sql) => Prisma.sql`
    SELECT ${EVENT_COLUMNS} FROM audit_events WHERE org_id = ${orgId} ${ofPortal} AND ${condition}`;
  const between = (column: string, a: number, b: number) =>
    Prisma.sql`${Prisma.raw(column)} >= ${at(a)} AND ${Prisma.raw(column)} < ${at(b)}`;
  const raw = Prisma.sql`
    ${rawPart(between("occurred_at", range.from.getTime(), cStart))}
    UNION ALL ${rawPart(between("occurred_at", cEnd, range.to.getTime()))}
    UNION ALL ${rawPart(Prisma.sql`chain_seq > ${mark.chain_seq} AND ${between("occurred_at", cStart, cEnd)}`)}`;

  // Rollup rows of one table: hourly at both ends of the covered part, daily in between
  // (the request chart's `all` rows are hourly throughout: its bars may be 12 hours wide).
  const rankings = Prisma.sql`dim IN ('tool', 'agent', 'server', 'denied_reason', 'error_reason')`;
  const rollup = (table: string, columns: string, where: Prisma.Sql) => {
    const part = (bucket: number, condition: Prisma.Sql, a: number, b: number) =>
      a < b
        ? [
            Prisma.sql`SELECT ${Prisma.raw(columns)} FROM ${Prisma.raw(table)}
               WHERE org_id = ${orgId} AND bucket_seconds = ${bucket} AND ${condition}
                 AND ${between("start", a, b)} ${ofPortal}`,
          ]
        : [];
    return Prisma.join(
      [
        ...part(HOUR, where, cStart, dStart),
        ...part(HOUR, where, dEnd, cEnd),
        ...part(DAY, where, dStart, dEnd),
      ],
      " UNION ALL ",
    );
  };
  const rowColumns = "dim, key, total, denied, errors";
  const topServers = Prisma.sql`(SELECT key FROM top_servers)`;

  // Every aggregate below reads `ranks` (one row per dimension key) or `series` (one row
  // per hour): the rollup rows are read and summed once.
  return Prisma.sql`
    WITH raw AS MATERIALIZED (${raw}),
    raw_rows AS MATERIALIZED (${countRows("raw", [HOUR])}),
    series AS MATERIALIZED (
      SELECT start, total, denied, errors, tool_errors FROM audit_rollups
       WHERE org_id = ${orgId} AND bucket_seconds = ${HOUR} AND dim = 'all' AND ${between("start", cStart, cEnd)} ${ofPortal}
      UNION ALL SELECT start, total, denied, errors, tool_errors FROM raw_rows WHERE dim = 'all'
    ),
    ranks AS MATERIALIZED (
      SELECT dim, key, sum(total)::bigint AS total, sum(denied)::bigint AS denied, sum(errors)::bigint AS errors
        FROM (${rollup("audit_rollups", rowColumns, rankings)}
              UNION ALL SELECT ${Prisma.raw(rowColumns)} FROM raw_rows WHERE dim <> 'all') p
       GROUP BY 1, 2
    ),
    top_servers AS MATERIALIZED (
      SELECT key, total AS calls FROM ranks WHERE dim = 'server' ORDER BY 2 DESC, 1 LIMIT ${top}
    ),
    latency AS MATERIALIZED (
      SELECT server_id, latency_ms AS v, sum(calls) AS c FROM (
        ${rollup("audit_rollup_latency", "server_id, latency_ms, calls", Prisma.sql`server_id IN ${topServers}`)}
        UNION ALL SELECT server_id, latency_ms, calls FROM (${latencyRows("raw", [HOUR])}) r
         WHERE server_id IN ${topServers}
      ) l GROUP BY 1, 2
    ),
    ranked AS MATERIALIZED (
      SELECT server_id, v, sum(c) OVER (PARTITION BY server_id ORDER BY v) AS upto FROM latency
    )
    SELECT
      (SELECT jsonb_build_object('total', coalesce(sum(total), 0), 'denied', coalesce(sum(denied), 0),
                                 'errors', coalesce(sum(errors), 0))
         FROM series) AS totals,
      (SELECT coalesce(jsonb_agg(b ORDER BY b.start), '[]') FROM (
         SELECT date_bin(${`${range.bucketSeconds} seconds`}::interval, start, TIMESTAMP '2000-01-01') AS start,
                sum(total) AS total, sum(denied) AS denied, sum(errors) AS errors
           FROM series GROUP BY 1) b) AS buckets,
      (SELECT coalesce(jsonb_agg(r ORDER BY r.count DESC, r.reason), '[]') FROM (
         SELECT key AS reason, total AS count FROM ranks WHERE dim = 'denied_reason'
          ORDER BY 2 DESC, 1 LIMIT ${top}) r) AS denials,
      (SELECT coalesce(jsonb_agg(r ORDER BY r.count DESC, r.reason), '[]') FROM (
         SELECT reason, count FROM (
           SELECT key AS reason, total AS count FROM ranks WHERE dim = 'error_reason'
           UNION ALL
           SELECT 'the tool returned an error', sum(tool_errors) FROM series HAVING sum(tool_errors) > 0) u
          ORDER BY 2 DESC, 1 LIMIT ${top}) r) AS errors,
      (SELECT coalesce(jsonb_agg(s ORDER BY s.calls DESC, s."serverId"), '[]') FROM (
         SELECT top.server_id AS "serverId", ${nameOf("servers", "server_id", "server_name")} AS "serverName",
                top.calls, ${percentile(0.5)} AS "p50Ms", ${percentile(0.95)} AS "p95Ms"
           FROM (SELECT key AS server_id, calls FROM top_servers) top) s) AS servers,
      (SELECT coalesce(jsonb_agg(t ORDER BY t.calls DESC, t."toolName"), '[]') FROM (
         SELECT key AS "toolName", total AS calls, denied, errors
           FROM ranks WHERE dim = 'tool' ORDER BY 2 DESC, 1 LIMIT ${top}) t) AS tools,
      (SELECT coalesce(jsonb_agg(a ORDER BY a.calls DESC, a."agentId"), '[]') FROM (
         SELECT top.agent_id AS "agentId", ${nameOf("agents", "agent_id", "agent_name")} AS "agentName",
                top.calls, top.denied, top.errors
           FROM (SELECT key AS agent_id, total AS calls, denied, errors
                   FROM ranks WHERE dim = 'agent' ORDER BY 2 DESC, 1 LIMIT ${top}) top) a) AS agents`;
}

/**
 * percentile_cont(p) of a top server's latencies from (value, calls) rows, with
 * Postgres' own interpolation: the values at 0-based positions floor(r) and ceil(r),
 * r = p × (n − 1), joined linearly.
 */
function percentile(p: number): Prisma.Sql {
  const valueAt = (position: Prisma.Sql) => Prisma.sql`(SELECT v FROM ranked
      WHERE ranked.server_id = top.server_id AND ranked.upto > ${position} ORDER BY ranked.upto LIMIT 1)`;
  const r = Prisma.sql`(${p}::float8 * (top.calls::float8 - 1))`;
  return Prisma.sql`(${valueAt(Prisma.sql`floor(${r})`)} +
    (${valueAt(Prisma.sql`ceil(${r})`)} - ${valueAt(Prisma.sql`floor(${r})`)}) * (${r} - floor(${r})))`;
}

const ceilTo = (ms: number, seconds: number) => Math.ceil(ms / (seconds * 1000)) * seconds * 1000;
const floorTo = (ms: number, seconds: number) => Math.floor(ms / (seconds * 1000)) * seconds * 1000;
