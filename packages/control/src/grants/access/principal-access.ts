import { grantAppliesTo } from "@portcullis/policy/grant-precedence";
import type { Tx } from "../../db";
import { type Page, pageWindow } from "../../lists/page";
import { type AccessEffect, matchesEffect, narrows, type ToolFilter } from "./access-filter";
import {
  accessOf,
  type EffectCounts,
  emptyCounts,
  type GrantRef,
  grantRef,
  grantsByServer,
  loadAccessInputs,
} from "./evaluate-access";
import { loadPrincipal, type PrincipalRef, type PrincipalView } from "./principals";

export interface ServerAccessRow {
  server: { id: string; name: string; status: "active" | "disabled" };
  /** Tools of the server the filter keeps, by effect for this principal. */
  counts: EffectCounts;
  /** The principal's grants on the server (its own, and for an agent its team's). */
  grants: GrantRef[];
}

/**
 * A principal's access, one row per server: how many of the server's tools (those the
 * filter keeps) it may call, must ask for, is denied or has no grant for, and its grants
 * there. With a narrowing filter, servers without a matching tool are left out.
 */
export async function principalAccessByServer(
  db: Tx,
  input: { orgId: string; principal: PrincipalRef; filter: ToolFilter },
): Promise<{ principal: PrincipalView; rows: ServerAccessRow[] }> {
  const { view, principal } = await loadPrincipal(db, input.orgId, input.principal);
  const { tools, grants, servers } = await loadAccessInputs(db, input.orgId, input.filter);
  const byServer = grantsByServer(grants);
  const counts = new Map<string, EffectCounts>();
  for (const tool of tools) {
    const { effect } = accessOf(principal, tool, byServer.get(tool.serverId) ?? []);
    if (!matchesEffect(input.filter, effect)) continue;
    const c = counts.get(tool.serverId) ?? emptyCounts();
    c[effect]++;
    counts.set(tool.serverId, c);
  }
  const rows = servers
    .filter((s) => !narrows(input.filter) || counts.has(s.id))
    .map((server) => ({
      server,
      counts: counts.get(server.id) ?? emptyCounts(),
      grants: (byServer.get(server.id) ?? [])
        .filter((g) => grantAppliesTo(g, principal))
        .map((g) => grantRef(principal, g)),
    }));
  return { principal: view, rows };
}

export interface ToolAccessRow {
  toolId: string;
  serverId: string;
  serverName: string;
  exposedName: string;
  upstreamName: string;
  riskClass: "read" | "write" | "destructive";
  status: "active" | "disabled" | "quarantined" | "removed";
  effect: AccessEffect;
  /** The grant that decides (the most restrictive matching one); null: no grant, default deny. */
  grant: GrantRef | null;
}

/** A page of a principal's access tool by tool (optionally on one server), filtered and by exposed name. */
export async function principalAccessByTool(
  db: Tx,
  input: { orgId: string; principal: PrincipalRef; filter: ToolFilter; offset?: number; limit?: number },
): Promise<Page<ToolAccessRow>> {
  const { principal } = await loadPrincipal(db, input.orgId, input.principal);
  const { tools, grants, servers } = await loadAccessInputs(db, input.orgId, input.filter);
  const byServer = grantsByServer(grants);
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  const rows: ToolAccessRow[] = [];
  for (const tool of tools) {
    const access = accessOf(principal, tool, byServer.get(tool.serverId) ?? []);
    if (!matchesEffect(input.filter, access.effect)) continue;
    rows.push({
      toolId: tool.id,
      serverId: tool.serverId,
      serverName: serverName.get(tool.serverId) ?? "",
      exposedName: tool.exposedName,
      upstreamName: tool.upstreamName,
      riskClass: tool.riskClass,
      status: tool.status,
      ...access,
    });
  }
  const { skip, take } = pageWindow(input);
  return { items: rows.slice(skip, skip + take), total: rows.length };
}
