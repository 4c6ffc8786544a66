import { exposedToolName, type RiskClass } from "@portcullis/contracts/snapshot";
import { effectiveRisk } from "@portcullis/policy/risk";
import type { Tx } from "../db";

export interface PolicyScopeOptions {
  teams: string[];
  agents: Array<{ name: string; team: string }>;
  servers: string[];
  /** `name` as a scope names it: `<server>__<tool>` (the upstream name). */
  tools: Array<{ name: string; server: string; title: string | null; riskClass: RiskClass }>;
}

/** What a policy's scope can name in the organization, by name, for the console's pickers. */
export async function listPolicyScopeOptions(db: Tx, input: { orgId: string }): Promise<PolicyScopeOptions> {
  const { orgId } = input;
  const teams = await db.team.findMany({
    where: { orgId },
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
  const agents = await db.agent.findMany({
    where: { orgId },
    select: { name: true, teamId: true },
    orderBy: { name: "asc" },
  });
  const servers = await db.server.findMany({
    where: { orgId },
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
  const tools = await db.tool.findMany({
    where: { orgId },
    select: { serverId: true, upstreamName: true, title: true, riskClass: true, riskOverride: true },
  });
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  return {
    teams: teams.map((t) => t.name),
    agents: agents.map((a) => ({ name: a.name, team: teamName.get(a.teamId) ?? "" })),
    servers: servers.map((s) => s.name),
    tools: tools
      .filter((t) => serverName.has(t.serverId))
      .map((t) => ({
        name: exposedToolName(serverName.get(t.serverId)!, t.upstreamName),
        server: serverName.get(t.serverId)!,
        title: t.title,
        riskClass: effectiveRisk(t.riskClass, t.riskOverride),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
