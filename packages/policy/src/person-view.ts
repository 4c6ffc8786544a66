import type {
  SnapshotGrant,
  SnapshotItemGrant,
  SnapshotPerson,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import type { Decision } from "./decide";
import { grantCoversTool } from "./grant-match";
import { decidingGrant, type GrantPrincipal, grantAppliesTo } from "./grant-precedence";
import { personSubject } from "./policy-subject";
import { decideItemAccess, type ItemDecision, type ItemKind, itemGrantsFor } from "./resource-grants";
import { unavailableToolReason } from "./tool-availability";
import type { VisibleTool } from "./visible-tools";

/**
 * What a person (an OAuth caller) may see and call: the union of their own grants and
 * those of every team they belong to, under the precedence agents have (deny, then
 * approve, then allow; default deny). Pure, like decide.ts: the gateway serves a person's
 * MCP client from it and the console's "what can this person see" preview calls it.
 */

/** The person as grant precedence knows principals. */
export function personPrincipal(person: SnapshotPerson): GrantPrincipal {
  return { type: "user", id: person.id, teamIds: person.teamIds };
}

/** Whether a grant (tool, resource or prompt) is about this person: same organization, and it names them or one of their teams. */
export function grantReachesPerson(
  grant: Pick<SnapshotGrant, "orgId" | "teamId" | "agentId" | "userId">,
  person: SnapshotPerson,
): boolean {
  return grant.orgId === person.orgId && grantAppliesTo(grant, personPrincipal(person));
}

export interface PersonDecisionInput {
  person: SnapshotPerson;
  server: SnapshotServer;
  tool: SnapshotTool;
  /** Grants that name this server (any subject); those of other organizations never match. */
  grants: readonly SnapshotGrant[];
}

/**
 * Decides whether a person may call a tool. A suspended person, a disabled server or a tool
 * that is not active is denied first; then the most restrictive grant of theirs or of their
 * teams wins, so a team-wide deny cannot be undone by a grant naming the person.
 */
export function decidePersonToolCall({ person, server, tool, grants }: PersonDecisionInput): Decision {
  const who = `person '${person.email}'`;
  if (person.status !== "active") return { effect: "deny", grantId: null, reason: `${who} is suspended` };
  if (server.status !== "active")
    return { effect: "deny", grantId: null, reason: `server '${server.name}' is disabled` };
  if (tool.status !== "active") {
    return { effect: "deny", grantId: null, reason: unavailableToolReason(tool) };
  }
  const best =
    server.orgId === person.orgId
      ? decidingGrant(
          personPrincipal(person),
          tool.serverId,
          tool.upstreamName,
          grants.filter((g) => g.orgId === person.orgId),
        )
      : null;
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

/** What one person can see: their listed tools, and the servers whose tool grants reach them. */
export interface PersonView {
  tools: VisibleTool[];
  byExposedName: Map<string, VisibleTool>;
  /** Active servers the person holds any non-deny tool grant on, by name. */
  grantedServers: SnapshotServer[];
}

/** The tools a person's MCP client lists (every tool not denied) and the servers granted to them. */
export function personView(
  person: SnapshotPerson,
  toolsOfOrg: readonly SnapshotTool[],
  serversById: ReadonlyMap<string, SnapshotServer>,
  grantsByServer: ReadonlyMap<string, readonly SnapshotGrant[]>,
): PersonView {
  const tools: VisibleTool[] = [];
  for (const tool of toolsOfOrg) {
    const server = serversById.get(tool.serverId);
    const grants = grantsByServer.get(tool.serverId);
    if (!server || !grants || server.orgId !== person.orgId) continue;
    const decision = decidePersonToolCall({ person, server, tool, grants });
    if (decision.effect !== "deny") tools.push({ tool, server, decision });
  }
  const granted = new Set<string>();
  for (const grants of grantsByServer.values()) {
    for (const g of grants) if (g.effect !== "deny" && grantReachesPerson(g, person)) granted.add(g.serverId);
  }
  const grantedServers = [...granted]
    .map((id) => serversById.get(id))
    .filter((s): s is SnapshotServer => s !== undefined && s.status === "active")
    .sort((a, b) => a.name.localeCompare(b.name));
  return { tools, byExposedName: new Map(tools.map((v) => [v.tool.exposedName, v])), grantedServers };
}

/**
 * Decides whether a person may read a resource (by URI) or get a prompt (by upstream name):
 * default deny, and deny wins over allow among the grants of the person and their teams —
 * the gateway's rule for every caller (`decideItemAccess` on the person as policy subject).
 */
export function decidePersonItemAccess(
  kind: ItemKind,
  person: SnapshotPerson,
  server: SnapshotServer,
  name: string,
  grants: readonly SnapshotItemGrant[],
): ItemDecision {
  const view = itemGrantsFor(kind, personSubject(person), grants, new Map([[server.id, server]]));
  return decideItemAccess(view, server, name);
}

/**
 * The person's teams that grant them a tool (an allow or approve grant of the team covering
 * it), in the person's team order: the approvers of any of them may decide the person's
 * held calls to it. Empty when only the person's own grant gives it (owners and admins decide).
 */
export function grantingTeams(
  person: SnapshotPerson,
  tool: SnapshotTool,
  grants: readonly SnapshotGrant[],
): string[] {
  const granting = new Set<string>();
  for (const g of grants) {
    if (g.orgId !== person.orgId || g.effect === "deny" || g.teamId === null || g.agentId !== null) continue;
    if (grantCoversTool(g, tool)) granting.add(g.teamId);
  }
  return person.teamIds.filter((t) => granting.has(t));
}

/**
 * The person's teams whose approvers decide one of their held calls. A call an approval
 * policy holds is decided by the teams of theirs that the policy's scope names: the policy
 * speaks for those teams, whichever team grants the tool. A call an `approve` grant holds,
 * or a policy whose scope names no team, goes to the teams granting them the tool
 * (`grantingTeams`). Empty: owners and admins decide. (An agent's requests always go to its
 * one team, which any team-scoped policy holding its call must name.)
 * @param policyTeams the holding policy's scope teams (`CompiledApprovalRules.scopeTeams`); null for a grant.
 */
export function approvingTeams(
  person: SnapshotPerson,
  tool: SnapshotTool,
  grants: readonly SnapshotGrant[],
  policyTeams: ReadonlySet<string> | null,
): string[] {
  if (policyTeams === null) return grantingTeams(person, tool, grants);
  return person.teamIds.filter((t) => policyTeams.has(t));
}
