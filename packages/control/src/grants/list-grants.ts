import type { ApprovalCondition } from "@portcullis/contracts/approval-policy";
import type { GrantEffect } from "@portcullis/contracts/snapshot";
import type { Tx } from "../db";

export interface GrantSummary {
  id: string;
  subject: { type: "team" | "agent"; id: string; name: string };
  serverId: string;
  serverName: string;
  toolPattern: string;
  effect: GrantEffect;
  reason: string | null;
  approvalTimeoutSec: number | null;
  /** Argument condition of an `approve` grant (validated when written); null: none. */
  condition: ApprovalCondition | null;
  createdBy: string | null;
  updatedAt: Date;
}

/**
 * The organization's grants (optionally those naming one server or one subject). Names are
 * joined in memory from three small lists: no per-row lookups.
 */
export async function listGrants(
  db: Tx,
  input: { orgId: string; serverId?: string; subject?: { type: "team" | "agent"; id: string } },
): Promise<GrantSummary[]> {
  const { orgId } = input;
  const [grants, teams, agents, servers] = await Promise.all([
    db.grant.findMany({
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
    toolPattern: g.toolPattern,
    effect: g.effect,
    reason: g.reason,
    approvalTimeoutSec: g.approvalTimeoutSec,
    condition: g.condition as ApprovalCondition | null,
    createdBy: g.createdBy,
    updatedAt: g.updatedAt,
  }));
}
