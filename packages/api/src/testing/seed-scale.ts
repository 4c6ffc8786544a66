import { newId } from "@portcullis/contracts/ids";
import type { Db } from "@portcullis/db/client";
import { seedServerWithTools, seedTeamWithAgent } from "./seed";

export interface ScaleSeed {
  serverIds: string[];
  agentId: string;
  teamId: string;
}

/**
 * A large organization: `servers` servers sharing `tools` tools, a team with an agent and
 * grants on every server, and `auditRows` admin audit rows over the last days.
 */
export async function seedScale(
  db: Db,
  orgId: string,
  size: { servers: number; tools: number; auditRows: number },
): Promise<ScaleSeed> {
  const { teamId, agentId } = await seedTeamWithAgent(db, { orgId, team: "scale", agent: "scale-bot" });
  const perServer = Math.ceil(size.tools / size.servers);
  const serverIds: string[] = [];
  for (let s = 0; s < size.servers; s++) {
    const names = Array.from({ length: Math.min(perServer, size.tools - s * perServer) }, (_, i) => ({
      name: `tool-${String(i).padStart(4, "0")}`,
      readOnly: i % 3 === 0,
    }));
    const { serverId } = await seedServerWithTools(db, { orgId, name: `server-${s}`, tools: names });
    serverIds.push(serverId);
    await db.grant.createMany({
      data: [
        { id: newId("grant"), orgId, teamId, serverId, toolPattern: "*", effect: "allow" },
        { id: newId("grant"), orgId, agentId, serverId, toolPattern: "tool-000*", effect: "approve" },
      ],
    });
  }
  const now = Date.now();
  for (let done = 0; done < size.auditRows; done += 5_000) {
    await db.adminAuditLog.createMany({
      data: Array.from({ length: Math.min(5_000, size.auditRows - done) }, (_, i) => ({
        id: newId("adminAudit"),
        orgId,
        actorType: "user",
        actorName: "admin@example.com",
        action: (done + i) % 4 === 0 ? "grant.create" : "server.update",
        targetType: (done + i) % 4 === 0 ? "grant" : "server",
        targetId: serverIds[(done + i) % serverIds.length]!,
        details: { name: `change-${done + i}` },
        createdAt: new Date(now - (done + i) * 10_000),
      })),
    });
  }
  return { serverIds, agentId: agentId!, teamId };
}
