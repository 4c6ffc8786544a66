import { newId } from "@portcullis/contracts/ids";
import { exposedToolName } from "@portcullis/contracts/snapshot";
import type { Db } from "@portcullis/db/client";

/** A server row with `tools` catalog rows, as a sync would leave them (no upstream needed). */
export async function seedServerWithTools(
  db: Db,
  input: {
    orgId: string;
    name: string;
    tools: Array<
      string | { name: string; description?: string; readOnly?: boolean; status?: "active" | "quarantined" }
    >;
  },
): Promise<{ serverId: string; toolIds: Record<string, string> }> {
  const serverId = newId("server");
  await db.server.create({
    data: { id: serverId, orgId: input.orgId, name: input.name, transport: "stdio", command: "true" },
  });
  const toolIds: Record<string, string> = {};
  const rows = input.tools.map((t) => {
    const tool = typeof t === "string" ? { name: t } : t;
    const id = newId("tool");
    toolIds[tool.name] = id;
    return {
      id,
      orgId: input.orgId,
      serverId,
      upstreamName: tool.name,
      exposedName: exposedToolName(input.name, tool.name),
      description: tool.description ?? `The ${tool.name} tool.`,
      inputSchema: { type: "object", properties: { message: { type: "string" } } },
      annotations: tool.readOnly ? { readOnlyHint: true } : undefined,
      riskClass: tool.readOnly ? ("read" as const) : ("destructive" as const),
      definitionHash: `hash-${tool.name}`,
      approvedHash: tool.status === "quarantined" ? "hash-old" : `hash-${tool.name}`,
      status: tool.status ?? ("active" as const),
      flags: tool.status === "quarantined" ? ["definition_changed"] : [],
    };
  });
  if (rows.length > 0) await db.tool.createMany({ data: rows });
  return { serverId, toolIds };
}

export async function seedTeamWithAgent(
  db: Db,
  input: { orgId: string; team: string; agent?: string },
): Promise<{ teamId: string; agentId: string | null }> {
  const teamId = newId("team");
  await db.team.create({ data: { id: teamId, orgId: input.orgId, name: input.team } });
  if (input.agent === undefined) return { teamId, agentId: null };
  const agentId = newId("agent");
  await db.agent.create({ data: { id: agentId, orgId: input.orgId, teamId, name: input.agent } });
  return { teamId, agentId };
}
