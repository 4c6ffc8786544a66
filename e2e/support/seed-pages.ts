import { newId } from "@portcullis/contracts/ids";
import { createDb } from "@portcullis/db/client";
import { seedServerTeamGrant } from "./seed";
import { stack } from "./stack-env";

export interface PageFixtures {
  label: string;
  serverId: string;
  toolId: string;
  agentId: string;
  quarantinedToolId: string;
}

/**
 * Everything the pages need to render with content (a server with a tool, an agent, a tool
 * waiting for review, audit events with denials and errors for the dashboard), so that a scan
 * of every page scans real content, not empty states. The label gets a random suffix: a
 * retried worker seeds again.
 */
export async function seedPageFixtures(prefix: string): Promise<PageFixtures> {
  const label = `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
  const { serverId, teamId } = await seedServerTeamGrant(label);
  const db = createDb(stack().databaseUrl, { max: 1 });
  try {
    const org = await db.organization.findUniqueOrThrow({ where: { slug: stack().orgSlug } });
    const tool = await db.tool.findFirstOrThrow({ where: { serverId } });
    const agentId = newId("agent");
    const quarantinedToolId = newId("tool");
    await db.$transaction([
      db.agent.create({ data: { id: agentId, orgId: org.id, teamId, name: `${label}-bot` } }),
      db.tool.create({
        data: {
          id: quarantinedToolId,
          orgId: org.id,
          serverId,
          upstreamName: "drop",
          exposedName: `${label}-server__drop`,
          description: "Drops a table.",
          inputSchema: { type: "object" },
          riskClass: "destructive",
          definitionHash: "current",
          approvedHash: "previous",
          approvedDefinition: {
            name: "drop",
            title: null,
            description: "Drops a row.",
            inputSchema: { type: "object" },
            outputSchema: null,
            annotations: null,
          },
          status: "quarantined",
          flags: ["definition_changed"],
        },
      }),
    ]);
    const now = Date.now();
    await db.auditEvent.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({
        id: newId("auditEvent"),
        orgId: org.id,
        occurredAt: new Date(now - i * 60_000),
        requestId: `req-${label}-${i}`,
        method: "tools/call",
        agentId,
        agentName: `${label}-bot`,
        teamId,
        serverId,
        serverName: `${label}-server`,
        toolName: i % 2 === 0 ? `${label}-server__lookup` : `${label}-server__drop`,
        decision: i % 5 === 0 ? "denied" : "allowed",
        reason: i % 5 === 0 ? "no grant" : null,
        isError: i % 7 === 0,
        errorCode: i % 7 === 0 ? -32603 : null,
        latencyMs: 3 + i,
      })),
    });
    return { label, serverId, toolId: tool.id, agentId, quarantinedToolId };
  } finally {
    await db.$disconnect();
  }
}
