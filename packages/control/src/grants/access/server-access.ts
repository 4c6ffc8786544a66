import { AppError } from "@portcullis/contracts/errors";
import { grantAppliesTo } from "@portcullis/policy/grant-precedence";
import type { Tx } from "../../db";
import { type Page, pageWindow } from "../../lists/page";
import { matchesEffect, narrows, type ToolFilter } from "./access-filter";
import {
  accessOf,
  type EffectCounts,
  emptyCounts,
  type GrantRef,
  grantRef,
  loadAccessInputs,
} from "./evaluate-access";
import { listPrincipals, type PrincipalView } from "./principals";

export interface PrincipalAccessRow {
  principal: PrincipalView;
  /** The server's tools the filter keeps, by effect for this principal. */
  counts: EffectCounts;
  grants: GrantRef[];
}

/**
 * Every principal's access to one server, one row per team or agent (searched by name):
 * effect counts over the server's tools the filter keeps, and the grants that apply. With
 * a narrowing filter, principals with no matching tool are left out.
 */
export async function serverAccessByPrincipal(
  db: Tx,
  input: {
    orgId: string;
    serverId: string;
    filter: Omit<ToolFilter, "serverId">;
    search?: string;
    offset?: number;
    limit?: number;
  },
): Promise<Page<PrincipalAccessRow> & { server: { id: string; name: string } }> {
  const filter = { ...input.filter, serverId: input.serverId };
  const [{ tools, grants, servers }, principals] = await Promise.all([
    loadAccessInputs(db, input.orgId, filter),
    listPrincipals(db, input.orgId, input.search, input.serverId),
  ]);
  const server = servers[0];
  if (!server) throw new AppError("NOT_FOUND", `server ${input.serverId} does not exist`);
  const rows: PrincipalAccessRow[] = [];
  for (const { view, principal } of principals) {
    const counts = emptyCounts();
    let matched = 0;
    for (const tool of tools) {
      const { effect } = accessOf(principal, tool, grants);
      if (!matchesEffect(filter, effect)) continue;
      counts[effect]++;
      matched++;
    }
    if (narrows(filter) && matched === 0) continue;
    const own = grants.filter((g) => grantAppliesTo(g, principal)).map((g) => grantRef(principal, g));
    rows.push({ principal: view, counts, grants: own });
  }
  const { skip, take } = pageWindow(input);
  return {
    server: { id: server.id, name: server.name },
    items: rows.slice(skip, skip + take),
    total: rows.length,
  };
}
