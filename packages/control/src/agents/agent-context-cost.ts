import { AppError } from "@portcullis/contracts/errors";
import { type ToolExposure, toolExposure } from "@portcullis/contracts/exposure";
import type { SnapshotGrant, SnapshotServer } from "@portcullis/contracts/snapshot";
import { effectiveExposure } from "@portcullis/policy/context/exposure";
import { type ExposureTokenCost, exposureTokenCost } from "@portcullis/policy/context/token-cost";
import { visibleTools } from "@portcullis/policy/visible-tools";
import type { Tx } from "../db";
import { compileSnapshot } from "../snapshots/compile-snapshot";

export interface AgentContextCost {
  /** The agent's own setting; null inherits. */
  exposure: ToolExposure | null;
  /** What the gateway applies (the portal's setting joins once portals exist). */
  effective: ToolExposure;
  toolCount: number;
  /** Tokens of `tools/list` in each mode for this agent's tools (o200k_base). */
  tokens: ExposureTokenCost;
}

/**
 * What each exposure would cost this agent's context: the tools it sees, computed as the
 * gateway does (the organization compiled as a snapshot, then `visibleTools`), listed in
 * the wire shape `tools/list` sends, and counted with a real tokenizer.
 */
export async function agentContextCost(
  db: Tx,
  input: { orgId: string; agentId: string },
): Promise<AgentContextCost> {
  const doc = await compileSnapshot(db, 0, { orgId: input.orgId });
  const agent = doc.agents.find((a) => a.id === input.agentId);
  if (!agent) throw new AppError("NOT_FOUND", `agent ${input.agentId} does not exist`);
  const serversById = new Map<string, SnapshotServer>(doc.servers.map((s) => [s.id, s]));
  const grantsByServer = new Map<string, SnapshotGrant[]>();
  for (const g of doc.grants) grantsByServer.set(g.serverId, [...(grantsByServer.get(g.serverId) ?? []), g]);
  const tools = doc.tools.filter((t) => serversById.has(t.serverId));
  const visible = visibleTools(agent, tools, serversById, grantsByServer).sort((a, b) =>
    a.tool.exposedName.localeCompare(b.tool.exposedName),
  );
  const exposure = agent.exposure ? toolExposure.parse(agent.exposure) : null;
  return {
    exposure,
    effective: effectiveExposure(exposure),
    toolCount: visible.length,
    tokens: exposureTokenCost(visible.map(({ tool }) => tool)),
  };
}
