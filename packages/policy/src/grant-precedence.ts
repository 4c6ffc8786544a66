import type { GrantEffect } from "@portcullis/contracts/snapshot";
import { matchesToolPattern } from "./tool-pattern";

/**
 * Who a grant names, and who is asking. A principal is keyed by its kind so that people
 * (OAuth principals) can be added as one more kind: a person would match grants naming
 * them and the teams they belong to.
 */
export interface GrantSubjectFields {
  teamId: string | null;
  agentId: string | null;
}

export type GrantPrincipal = { type: "team"; id: string } | { type: "agent"; id: string; teamId: string };

export interface RankedGrant extends GrantSubjectFields {
  id: string;
  serverId: string;
  toolPattern: string;
  effect: GrantEffect;
}

/** The effect order the gateway applies: the most restrictive matching grant wins. */
export const EFFECT_RANK: Record<GrantEffect, number> = { allow: 0, approve: 1, deny: 2 };

/**
 * Whether a grant applies to the principal: its own grants, and for an agent its team's
 * (the rule `decideToolCall` enforces at the gateway).
 */
export function grantAppliesTo(grant: GrantSubjectFields, principal: GrantPrincipal): boolean {
  switch (principal.type) {
    case "team":
      return grant.agentId === null && grant.teamId === principal.id;
    case "agent":
      return grant.agentId !== null ? grant.agentId === principal.id : grant.teamId === principal.teamId;
  }
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
