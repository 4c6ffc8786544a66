import type { SnapshotAgent, SnapshotGrant, SnapshotTool } from "@portcullis/contracts/snapshot";
import { matchesToolPattern } from "./tool-pattern";

/**
 * Whether a grant is about this agent: it belongs to the agent's organization and names
 * the agent itself or, when it names no agent, the agent's team. The one rule decisions,
 * approvals and resource/prompt visibility share.
 */
export function grantAppliesTo(grant: SnapshotGrant, agent: SnapshotAgent): boolean {
  if (grant.orgId !== agent.orgId) return false;
  return grant.agentId !== null ? grant.agentId === agent.id : grant.teamId === agent.teamId;
}

/** Whether a grant covers a tool: it names the tool's server and its pattern matches the upstream name. */
export function grantCoversTool(grant: SnapshotGrant, tool: SnapshotTool): boolean {
  return grant.serverId === tool.serverId && matchesToolPattern(grant.toolPattern, tool.upstreamName);
}
