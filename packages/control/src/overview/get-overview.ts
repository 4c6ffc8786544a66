import type { Tx } from "../db";

export interface Overview {
  counts: { servers: number; tools: number; agents: number; callsToday: number; denialsToday: number };
  servers: Array<{
    id: string;
    name: string;
    status: "active" | "disabled";
    health: "unknown" | "healthy" | "unhealthy";
    lastSyncAt: Date | null;
    lastError: string | null;
  }>;
}

/**
 * The overview page's numbers. "Today" starts at midnight UTC, the same day boundary for
 * every viewer; counts use the audit table's (org_id, occurred_at) index.
 */
export async function getOverview(db: Tx, orgId: string, now = new Date()): Promise<Overview> {
  const startOfDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const today = { orgId, occurredAt: { gte: startOfDay } };
  const [servers, tools, agents, callsToday, denialsToday] = await Promise.all([
    db.server.findMany({
      where: { orgId },
      select: { id: true, name: true, status: true, health: true, lastSyncAt: true, lastError: true },
      orderBy: { name: "asc" },
    }),
    db.tool.count({ where: { orgId, status: { not: "removed" } } }),
    db.agent.count({ where: { orgId } }),
    db.auditEvent.count({ where: { ...today, method: "tools/call" } }),
    db.auditEvent.count({ where: { ...today, decision: "denied" } }),
  ]);
  return { counts: { servers: servers.length, tools, agents, callsToday, denialsToday }, servers };
}
