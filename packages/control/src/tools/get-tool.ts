import { effectiveRisk } from "@portcullis/policy/risk";
import type { Tx } from "../db";
import { findTool } from "./find-tool";
import type { ToolSummary } from "./list-tools";

export interface ToolDetail extends ToolSummary {
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown> | null;
  definitionHash: string;
  /** The definition an admin (or the first sync) accepted; differs from definitionHash when quarantined. */
  approvedHash: string | null;
  firstSeenAt: Date;
}

/** One tool with its schemas, for the tool page's schema viewer. */
export async function getTool(db: Tx, input: { orgId: string; id: string }): Promise<ToolDetail> {
  const tool = await findTool(db, input.orgId, input.id);
  const server = await db.server.findUniqueOrThrow({ where: { id: tool.serverId }, select: { name: true } });
  return {
    id: tool.id,
    serverId: tool.serverId,
    serverName: server.name,
    upstreamName: tool.upstreamName,
    exposedName: tool.exposedName,
    title: tool.title,
    description: tool.description,
    riskClass: effectiveRisk(tool.riskClass, tool.riskOverride),
    derivedRisk: tool.riskClass,
    riskOverride: tool.riskOverride,
    status: tool.status,
    flags: tool.flags,
    annotations: (tool.annotations ?? null) as Record<string, unknown> | null,
    updatedAt: tool.updatedAt,
    inputSchema: (tool.inputSchema ?? {}) as Record<string, unknown>,
    outputSchema: (tool.outputSchema ?? null) as Record<string, unknown> | null,
    definitionHash: tool.definitionHash,
    approvedHash: tool.approvedHash,
    firstSeenAt: tool.firstSeenAt,
  };
}
