import type { GrantEffect, RiskClass } from "@portcullis/contracts/snapshot";
import { decidingGrant, type GrantPrincipal, grantIsInherited } from "@portcullis/policy/grant-precedence";
import { effectiveRisk } from "@portcullis/policy/risk";
import type { Tx } from "../../db";
import { type AccessEffect, matchesPattern, type ToolFilter, toolWhere } from "./access-filter";

export interface AccessTool {
  id: string;
  serverId: string;
  upstreamName: string;
  exposedName: string;
  riskClass: RiskClass;
  status: "active" | "disabled" | "quarantined" | "removed";
}

export interface AccessGrant {
  id: string;
  teamId: string | null;
  agentId: string | null;
  userId: string | null;
  serverId: string;
  toolPattern: string;
  effect: GrantEffect;
  reason: string | null;
}

/** A grant as an access view shows it: `inherited` when it names the agent's or person's team, not them. */
export interface GrantRef {
  id: string;
  toolPattern: string;
  effect: GrantEffect;
  inherited: boolean;
}

export interface AccessInputs {
  tools: AccessTool[];
  grants: AccessGrant[];
  servers: Array<{ id: string; name: string; status: "active" | "disabled" }>;
}

/**
 * What every access view reads, in three queries: the tools the filter's server, risk and
 * pattern keep (ordered by exposed name), the grants on their servers, and the servers.
 */
export async function loadAccessInputs(db: Tx, orgId: string, filter: ToolFilter): Promise<AccessInputs> {
  const [rows, grants, servers] = await Promise.all([
    db.tool.findMany({
      where: toolWhere(orgId, filter),
      select: {
        id: true,
        serverId: true,
        upstreamName: true,
        exposedName: true,
        riskClass: true,
        riskOverride: true,
        status: true,
      },
      orderBy: [{ exposedName: "asc" }, { id: "asc" }],
    }),
    db.grant.findMany({
      where: { orgId, ...(filter.serverId !== undefined && { serverId: filter.serverId }) },
      select: {
        id: true,
        teamId: true,
        agentId: true,
        userId: true,
        serverId: true,
        toolPattern: true,
        effect: true,
        reason: true,
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
    db.server.findMany({
      where: { orgId, ...(filter.serverId !== undefined && { id: filter.serverId }) },
      select: { id: true, name: true, status: true },
      orderBy: { name: "asc" },
    }),
  ]);
  const tools = rows
    .filter((t) => matchesPattern(filter, t.upstreamName))
    .map(({ riskOverride, ...t }) => ({ ...t, riskClass: effectiveRisk(t.riskClass, riskOverride) }));
  return { tools, grants, servers };
}

/** The grants on each server, so a tool is matched only against its own server's. */
export function grantsByServer<G extends { serverId: string }>(grants: readonly G[]): Map<string, G[]> {
  const out = new Map<string, G[]>();
  for (const g of grants) out.set(g.serverId, [...(out.get(g.serverId) ?? []), g]);
  return out;
}

/** The principal's access to one tool and the grant that decides it (the gateway's precedence). */
export function accessOf(
  principal: GrantPrincipal,
  tool: AccessTool,
  serverGrants: readonly AccessGrant[],
): { effect: AccessEffect; grant: GrantRef | null } {
  const grant = decidingGrant(principal, tool.serverId, tool.upstreamName, serverGrants);
  if (grant === null) return { effect: "none", grant: null };
  return { effect: grant.effect, grant: grantRef(principal, grant) };
}

export function grantRef(principal: GrantPrincipal, grant: AccessGrant): GrantRef {
  return {
    id: grant.id,
    toolPattern: grant.toolPattern,
    effect: grant.effect,
    inherited: grantIsInherited(grant, principal),
  };
}

export type EffectCounts = Record<AccessEffect, number>;

export function emptyCounts(): EffectCounts {
  return { allow: 0, approve: 0, deny: 0, none: 0 };
}
