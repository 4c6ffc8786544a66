import type { Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";
import { type Page, type PageRequest, pageWindow, searchText } from "../lists/page";
import type { AgentSummary } from "./list-agents";

export const AGENT_SORTS = ["name", "team", "status", "createdAt"] as const;
export type AgentSort = (typeof AGENT_SORTS)[number];

export interface AgentPageRequest extends PageRequest<AgentSort> {
  orgId: string;
  teamId?: string;
  status?: "active" | "disabled";
}

/** A page of the organization's agents, searched by name or description; key counts for the page only. */
export async function pageAgents(db: Tx, request: AgentPageRequest): Promise<Page<AgentSummary>> {
  const and: Prisma.AgentWhereInput[] = [{ orgId: request.orgId }];
  if (request.teamId !== undefined) and.push({ teamId: request.teamId });
  if (request.status !== undefined) and.push({ status: request.status });
  const text = searchText(request);
  if (text !== undefined) {
    and.push({
      OR: [
        { name: { contains: text, mode: "insensitive" } },
        { description: { contains: text, mode: "insensitive" } },
      ],
    });
  }
  const where = { AND: and };
  const order = request.order ?? "asc";
  const sort = request.sort ?? "name";
  const orderBy: Prisma.AgentOrderByWithRelationInput[] =
    sort === "name"
      ? [{ name: order }]
      : [sort === "team" ? { team: { name: order } } : { [sort]: order }, { name: "asc" }];
  const [rows, total] = await Promise.all([
    db.agent.findMany({
      where,
      select: {
        id: true,
        name: true,
        description: true,
        teamId: true,
        status: true,
        createdAt: true,
        team: { select: { name: true } },
      },
      orderBy,
      ...pageWindow(request),
    }),
    db.agent.count({ where }),
  ]);
  const ids = rows.map((r) => r.id);
  const now = new Date();
  const [live, used] = await Promise.all([
    db.apiKey.groupBy({
      by: ["agentId"],
      where: {
        orgId: request.orgId,
        agentId: { in: ids },
        revokedAt: null,
        OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
      },
      _count: { _all: true },
    }),
    db.apiKey.groupBy({
      by: ["agentId"],
      where: { orgId: request.orgId, agentId: { in: ids } },
      _max: { lastUsedAt: true },
    }),
  ]);
  const keyCount = new Map(live.map((k) => [k.agentId, k._count._all]));
  const lastUsed = new Map(used.map((k) => [k.agentId, k._max.lastUsedAt]));
  return {
    items: rows.map(({ team, ...a }) => ({
      ...a,
      teamName: team.name,
      keyCount: keyCount.get(a.id) ?? 0,
      lastUsedAt: lastUsed.get(a.id) ?? null,
    })),
    total,
  };
}
