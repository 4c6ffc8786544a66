import type { TransportKind } from "@portcullis/contracts/snapshot";
import type { Tx } from "../db";
import { toContractTransport } from "./transport";

export interface ServerSummary {
  id: string;
  name: string;
  description: string | null;
  transport: TransportKind;
  url: string | null;
  command: string | null;
  status: "active" | "disabled";
  health: "unknown" | "healthy" | "unhealthy";
  /** Tools the upstream lists now (removed ones not counted). */
  toolCount: number;
  lastSyncAt: Date | null;
  lastError: string | null;
  hasSecrets: boolean;
}

/** The organization's servers by name, with their tool counts (one grouped query, not one per server). */
export async function listServers(db: Tx, orgId: string): Promise<ServerSummary[]> {
  const servers = await db.server.findMany({
    where: { orgId },
    select: {
      id: true,
      name: true,
      description: true,
      transport: true,
      url: true,
      command: true,
      status: true,
      health: true,
      lastSyncAt: true,
      lastError: true,
      secrets: true,
    },
    orderBy: { name: "asc" },
  });
  const counts = await countTools(db, orgId);
  return servers.map(({ secrets, transport, ...s }) => ({
    ...s,
    transport: toContractTransport(transport),
    toolCount: counts.get(s.id) ?? 0,
    hasSecrets: secrets !== null,
  }));
}

/** Listed tools per server: of one server, of some (a page of them), or of all. */
export async function countTools(
  db: Tx,
  orgId: string,
  serverId?: string | string[],
): Promise<Map<string, number>> {
  const servers = typeof serverId === "string" ? serverId : serverId && { in: serverId };
  const rows = await db.tool.groupBy({
    by: ["serverId"],
    where: { orgId, status: { not: "removed" }, ...(servers !== undefined && { serverId: servers }) },
    _count: { _all: true },
  });
  return new Map(rows.map((r) => [r.serverId, r._count._all]));
}
