import type {
  SnapshotAgent,
  SnapshotGrant,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { type Decision, decideToolCall } from "./decide";

export interface VisibleTool {
  tool: SnapshotTool;
  server: SnapshotServer;
  decision: Exclude<Decision, { effect: "deny" }>;
}

/**
 * The tools an agent sees in `tools/list`: every tool whose decision is not deny.
 * Tools that need approval are listed (the agent may ask; a human decides at call time).
 */
export function visibleTools(
  agent: SnapshotAgent,
  tools: readonly SnapshotTool[],
  serversById: ReadonlyMap<string, SnapshotServer>,
  grantsByServer: ReadonlyMap<string, readonly SnapshotGrant[]>,
): VisibleTool[] {
  const out: VisibleTool[] = [];
  for (const tool of tools) {
    const server = serversById.get(tool.serverId);
    const grants = grantsByServer.get(tool.serverId);
    if (!server || !grants || server.orgId !== agent.orgId) continue;
    const decision = decideToolCall({ agent, server, tool, grants });
    if (decision.effect !== "deny") out.push({ tool, server, decision });
  }
  return out;
}
