import type {
  GrantEffect,
  SnapshotAgent,
  SnapshotGrant,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { grantAppliesTo, grantCoversTool } from "./grant-match";
import { unavailableToolReason } from "./tool-availability";

export type Decision =
  | { effect: "allow"; grantId: string }
  | { effect: "approve"; grantId: string; reason: string; timeoutSec: number | null }
  | { effect: "deny"; grantId: string | null; reason: string };

export interface DecisionInput {
  agent: SnapshotAgent;
  server: SnapshotServer;
  tool: SnapshotTool;
  /** Grants of the agent's organization that name this server (any subject). */
  grants: readonly SnapshotGrant[];
}

const RANK: Record<GrantEffect, number> = { allow: 0, approve: 1, deny: 2 };

/**
 * Decides whether an agent may call a tool. Pure: the gateway's hot path and the
 * console's "what can this agent see?" preview both call it.
 *
 * - Default deny: no matching grant, no call.
 * - A grant matches when its subject is the agent or the agent's team, it names the
 *   tool's server, and its pattern matches the upstream tool name.
 * - Among matching grants the most restrictive effect wins (deny > approve > allow),
 *   whether it comes from the agent's own grants or its team's: a team-wide deny cannot
 *   be undone by an agent grant, so security admins can reason about one rule at a time.
 * - A disabled agent, disabled server or a tool that is not active is denied first.
 */
export function decideToolCall({ agent, server, tool, grants }: DecisionInput): Decision {
  if (agent.status !== "active")
    return { effect: "deny", grantId: null, reason: `agent '${agent.name}' is disabled` };
  if (server.status !== "active")
    return { effect: "deny", grantId: null, reason: `server '${server.name}' is disabled` };
  if (tool.status !== "active") {
    return { effect: "deny", grantId: null, reason: unavailableToolReason(tool) };
  }

  return decideByGrants(grants, (g) => grantAppliesTo(g, agent), tool, `agent '${agent.name}'`);
}

/** The precedence rule, said once: among the subject's grants covering the tool, the most restrictive wins. */
function decideByGrants(
  grants: readonly SnapshotGrant[],
  appliesToSubject: (grant: SnapshotGrant) => boolean,
  tool: SnapshotTool,
  who: string,
): Decision {
  let best: SnapshotGrant | null = null;
  for (const grant of grants) {
    if (!appliesToSubject(grant) || !grantCoversTool(grant, tool)) continue;
    if (best === null || RANK[grant.effect] > RANK[best.effect]) best = grant;
    if (best.effect === "deny") break;
  }

  if (best === null) {
    return {
      effect: "deny",
      grantId: null,
      reason: `no grant gives ${who} access to '${tool.exposedName}' (default deny)`,
    };
  }
  switch (best.effect) {
    case "allow":
      return { effect: "allow", grantId: best.id };
    case "approve":
      return {
        effect: "approve",
        grantId: best.id,
        reason: best.reason ?? `calls to '${tool.exposedName}' require approval`,
        timeoutSec: best.approvalTimeoutSec,
      };
    case "deny":
      return {
        effect: "deny",
        grantId: best.id,
        reason: best.reason ?? `a deny grant forbids '${tool.exposedName}'`,
      };
  }
}
