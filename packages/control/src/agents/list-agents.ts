import type { Tx } from "../db";

export interface AgentSummary {
  id: string;
  name: string;
  description: string | null;
  teamId: string;
  teamName: string;
  status: "active" | "disabled";
  /** Keys a gateway would accept now (not revoked, not expired). */
  keyCount: number;
  /** Last use of any of its keys. */
  lastUsedAt: Date | null;
  createdAt: Date;
}

/** The organization's agents (optionally one team's), by name, with key counts and last use. */
export async function listAgents(db: Tx, input: { orgId: string; teamId?: string }): Promise<AgentSummary[]> {
  const now = new Date();
  const [agents, live, used] = await Promise.all([
    db.agent.findMany({
      where: { orgId: input.orgId, ...(input.teamId !== undefined && { teamId: input.teamId }) },
      select: {
        id: true,
        name: true,
        description: true,
        teamId: true,
        status: true,
        createdAt: true,
        team: { select: { name: true } },
      },
      orderBy: { name: "asc" },
    }),
    db.apiKey.groupBy({
      by: ["agentId"],
      where: { orgId: input.orgId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
      _count: { _all: true },
    }),
    db.apiKey.groupBy({ by: ["agentId"], where: { orgId: input.orgId }, _max: { lastUsedAt: true } }),
  ]);
  const keyCount = new Map(live.map((k) => [k.agentId, k._count._all]));
  const lastUsed = new Map(used.map((k) => [k.agentId, k._max.lastUsedAt]));
  return agents.map(({ team, ...a }) => ({
    ...a,
    teamName: team.name,
    keyCount: keyCount.get(a.id) ?? 0,
    lastUsedAt: lastUsed.get(a.id) ?? null,
  }));
}
