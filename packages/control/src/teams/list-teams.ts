import type { Tx } from "../db";

export interface TeamSummary {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  agentCount: number;
  members: Array<{ userId: string; email: string; name: string | null }>;
  createdAt: Date;
}

/** The organization's teams with their members (teams are few; members listed in full). */
export async function listTeams(db: Tx, orgId: string): Promise<TeamSummary[]> {
  const teams = await db.team.findMany({
    where: { orgId },
    select: {
      id: true,
      name: true,
      description: true,
      createdAt: true,
      members: {
        select: { user: { select: { id: true, email: true, name: true } } },
        orderBy: { createdAt: "asc" },
      },
      _count: { select: { agents: true } },
    },
    orderBy: { name: "asc" },
  });
  return teams.map((t) => ({
    id: t.id,
    name: t.name,
    description: t.description,
    createdAt: t.createdAt,
    memberCount: t.members.length,
    agentCount: t._count.agents,
    members: t.members.map((m) => ({ userId: m.user.id, email: m.user.email, name: m.user.name })),
  }));
}
