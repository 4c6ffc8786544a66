import type { RiskClass } from "@portcullis/contracts/snapshot";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { toolRiskKey } from "../change-plan/entry-keys";
import type { Db } from "../db";
import { findTool } from "./find-tool";

/**
 * Sets or clears (null) an admin's override of a tool's risk class; the same change as a
 * `tools: [{ server, tool, risk }]` entry of the config file, audited the same way.
 */
export async function setToolRisk(
  db: Db,
  input: { orgId: string; actor: Actor; id: string; risk: RiskClass | null },
): Promise<{ id: string; exposedName: string; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const tool = await findTool(tx, input.orgId, input.id);
    if (tool.riskOverride === input.risk)
      return { id: tool.id, exposedName: tool.exposedName, changed: false };
    const server = await tx.server.findUniqueOrThrow({
      where: { id: tool.serverId },
      select: { name: true },
    });
    await tx.tool.update({ where: { id: tool.id }, data: { riskOverride: input.risk } });
    const verb = tool.riskOverride === null ? "create" : input.risk === null ? "delete" : "update";
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: `tool_risk.${verb}`,
      targetType: "tool_risk",
      targetId: tool.id,
      details: {
        name: toolRiskKey(server.name, tool.upstreamName),
        changes: { risk: { from: tool.riskOverride, to: input.risk } },
      },
    });
    return { id: tool.id, exposedName: tool.exposedName, changed: true };
  });
}
