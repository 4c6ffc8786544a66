import { NO_TOOLS_MATCHED } from "@portcullis/contracts/exposure";
import type { Db } from "../db";

export interface UnmatchedSearch {
  query: string;
  count: number;
  lastAt: Date;
  /** Who searched last (agent name as recorded). */
  agentName: string | null;
}

/**
 * `search_tools` queries that found no tool in [from, to), most frequent first: a tool an
 * agent looks for and is not granted, or a description that does not say what it does.
 */
export async function listUnmatchedSearches(
  db: Db,
  orgId: string,
  range: { from: Date; to: Date },
  limit = 20,
): Promise<UnmatchedSearch[]> {
  const rows = await db.$queryRaw<
    Array<{ query: string; count: bigint; last_at: Date; agent_name: string | null }>
  >`
    SELECT lower(trim(e.arguments->>'query')) AS query, count(*) AS count, max(e.occurred_at) AS last_at,
           (array_agg(e.agent_name ORDER BY e.occurred_at DESC))[1] AS agent_name
      FROM audit_events e
     WHERE e.org_id = ${orgId} AND e.occurred_at >= ${range.from} AND e.occurred_at < ${range.to}
       AND e.tool_name = 'search_tools' AND e.result_summary = ${NO_TOOLS_MATCHED}
       AND e.arguments->>'query' IS NOT NULL
     GROUP BY 1
     ORDER BY count(*) DESC, max(e.occurred_at) DESC
     LIMIT ${limit}`;
  return rows.map((r) => ({
    query: r.query,
    count: Number(r.count),
    lastAt: r.last_at,
    agentName: r.agent_name,
  }));
}
