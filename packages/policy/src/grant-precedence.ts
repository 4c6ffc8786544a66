import type { GrantEffect } from "@portcullis/contracts/snapshot";
import { matchesToolPattern } from "./tool-pattern";

/**
 * Who a grant names (exactly one of the three; `userId` absent means null), and who is
 * asking. A person (`user`) matches the grants naming them and those of every team they
 * belong to; an agent its own and its team's; a team only its own.
 */
export interface GrantSubjectFields {
  teamId: string | null;
  agentId: string | null;
  userId?: string | null;
}

export type GrantPrincipal =
  | { type: "team"; id: string }
  | { type: "agent"; id: string; teamId: string }
  | { type: "user"; id: string; teamIds: readonly string[] };

export interface RankedGrant extends GrantSubjectFields {
  id: string;
  serverId: string;
  toolPattern: string;
  effect: GrantEffect;
}

/** The effect order the gateway applies: the most restrictive matching grant wins. */
export const EFFECT_RANK: Record<GrantEffect, number> = { allow: 0, approve: 1, deny: 2 };

/**
 * Whether a grant applies to the principal: its own grants, and for an agent its team's,
 * for a person their teams' (the rule `decideToolCall` and `decidePersonToolCall` enforce).
 */
export function grantAppliesTo(grant: GrantSubjectFields, principal: GrantPrincipal): boolean {
  switch (principal.type) {
    case "team":
      return grant.agentId === null && grant.teamId === principal.id;
    case "agent":
      return grant.agentId !== null ? grant.agentId === principal.id : grant.teamId === principal.teamId;
    case "user":
      if (grant.userId != null) return grant.userId === principal.id;
      return grant.agentId === null && grant.teamId !== null && principal.teamIds.includes(grant.teamId);
  }
}

/** Whether a grant reaches the principal through a team rather than naming it (shown as inherited). */
export function grantIsInherited(grant: GrantSubjectFields, principal: GrantPrincipal): boolean {
  return principal.type !== "team" && grant.teamId !== null;
}

/**
 * The grant that decides the principal's access to one tool (`upstreamName` on `serverId`),
 * or null when none matches (default deny). `grants` may hold any grants of the organization.
 */
export function decidingGrant<G extends RankedGrant>(
  principal: GrantPrincipal,
  serverId: string,
  upstreamName: string,
  grants: readonly G[],
): G | null {
  let best: G | null = null;
  for (const grant of grants) {
    if (grant.serverId !== serverId || !grantAppliesTo(grant, principal)) continue;
    if (!matchesToolPattern(grant.toolPattern, upstreamName)) continue;
    if (best === null || EFFECT_RANK[grant.effect] > EFFECT_RANK[best.effect]) best = grant;
    if (best.effect === "deny") break;
  }
  return best;
}
