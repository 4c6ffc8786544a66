import type { Tx } from "../db";

export interface ItemGrantSummary {
  id: string;
  subject: { type: "team" | "agent"; id: string; name: string };
  serverId: string;
  serverName: string;
  kind: "resource" | "prompt";
  pattern: string;
  effect: "allow" | "deny";
  reason: string | null;
  createdBy: string | null;
  updatedAt: Date;
}

/** The organization's resource and prompt grants (optionally those naming one server or subject). */
export async function listItemGrants(
  db: Tx,
  input: { orgId: string; serverId?: string; subject?: { type: "team" | "agent"; id: string } },
): Promise<ItemGrantSummary[]> {
  const { orgId } = input;
  const [grants, teams, agents, servers] = await Promise.all([
    db.itemGrant.findMany({
      where: {
        orgId,
        ...(input.serverId !== undefined && { serverId: input.serverId }),
        ...(input.subject?.type === "team" && { teamId: input.subject.id }),
        ...(input.subject?.type === "agent" && { agentId: input.subject.id }),
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
    db.team.findMany({ where: { orgId }, select: { id: true, name: true } }),
    db.agent.findMany({ where: { orgId }, select: { id: true, name: true } }),
    db.server.findMany({ where: { orgId }, select: { id: true, name: true } }),
  ]);
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const agentName = new Map(agents.map((a) => [a.id, a.name]));
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  return grants.map((g) => ({
    id: g.id,
    subject:
      g.teamId !== null
        ? { type: "team" as const, id: g.teamId, name: teamName.get(g.teamId) ?? "" }
        : { type: "agent" as const, id: g.agentId!, name: agentName.get(g.agentId!) ?? "" },
    serverId: g.serverId,
    serverName: serverName.get(g.serverId) ?? "",
    kind: g.kind,
    pattern: g.pattern,
    // `approve` is refused when written; were one stored by hand, the gateway reads it as deny.
    effect: g.effect === "allow" ? "allow" : "deny",
    reason: g.reason,
    createdBy: g.createdBy,
    updatedAt: g.updatedAt,
  }));
}
