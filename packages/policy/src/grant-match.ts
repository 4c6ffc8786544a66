import type { SnapshotGrant, SnapshotTool } from "@portcullis/contracts/snapshot";
import { grantReachesSubject, type PolicySubject } from "./policy-subject";
import { matchesToolPattern } from "./tool-pattern";

/** Who a grant names: an agent (agentId set) or, when it names no agent, a team. */
export interface GrantSubjectIds {
  agentId: string | null;
  teamId: string | null;
}

/**
 * The subject rule: a grant naming an agent applies to that agent only; a grant naming a
 * team applies to the team and to every agent of it. `who` is an agent (`id`, its `teamId`)
 * or a team (`id: null`, `teamId`). The console's grant editor and the gateway share it.
 */
export function grantNames(
  grant: GrantSubjectIds,
  who: { id: string | null; teamId: string | null },
): boolean {
  return grant.agentId !== null ? grant.agentId === who.id : grant.teamId === who.teamId;
}

/**
 * Whether a grant is about this agent: it belongs to the agent's organization and its
 * subject is the agent or the agent's team (grantNames); for a person standing in as an
 * agent, the person or any of their teams. The one rule decisions, approvals and
 * resource/prompt visibility share.
 */
export function grantAppliesTo(grant: SnapshotGrant, agent: PolicySubject): boolean {
  if (agent.teamIds) return grantReachesSubject(grant, agent);
  return grant.orgId === agent.orgId && grantNames(grant, agent);
}

/** Whether a grant covers a tool: it names the tool's server and its pattern matches the upstream name. */
export function grantCoversTool(grant: SnapshotGrant, tool: SnapshotTool): boolean {
  return grant.serverId === tool.serverId && matchesToolPattern(grant.toolPattern, tool.upstreamName);
}
