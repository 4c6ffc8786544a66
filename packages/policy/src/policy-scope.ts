import type { SnapshotPolicy, SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import type { PolicySubject } from "./policy-subject";

/** The facts about a call that decide which policies' scopes cover it. */
export interface ScopedCall {
  orgId: string;
  teamId: string;
  /** A person's teams, all of them (a scope naming any one covers the call); absent: `teamId`. */
  teamIds?: readonly string[];
  agentId: string;
  serverId: string;
  toolId: string;
  /** `<server>__<tool>`: a scope may name a tool by exposed name as well as by id. */
  toolName: string;
  /** The person the call is made for (an OAuth caller); null or absent: none. */
  userId?: string | null;
}

/** A policy's scope as sets of ids; null: no restriction on that dimension. */
export interface CompiledScope {
  orgId: string;
  teams: ReadonlySet<string> | null;
  agents: ReadonlySet<string> | null;
  servers: ReadonlySet<string> | null;
  tools: ReadonlySet<string> | null;
  users: ReadonlySet<string> | null;
}

const asSet = (ids: readonly string[]): Set<string> | null => (ids.length > 0 ? new Set(ids) : null);

/** Compiles a snapshot policy's scope once, so matching a call is a few set lookups. */
export function compileScope(policy: Pick<SnapshotPolicy, "orgId" | "scope">): CompiledScope {
  return {
    orgId: policy.orgId,
    teams: asSet(policy.scope.teams),
    agents: asSet(policy.scope.agents),
    servers: asSet(policy.scope.servers),
    tools: asSet(policy.scope.tools),
    users: asSet(policy.scope.users ?? []),
  };
}

/**
 * Whether a policy covers a call: it belongs to the call's organization and each non-empty
 * scope list names the call's team (for a person: any of their teams), agent, server, tool
 * and person. The control plane stores a tool
 * by id, or by exposed name until its catalog lists it, so both are looked up. The one scope
 * rule of DLP, rate-limit and approval policies.
 */
export function scopeCovers(scope: CompiledScope, call: ScopedCall): boolean {
  return (
    scope.orgId === call.orgId &&
    (scope.teams === null || coversTeam(scope.teams, call)) &&
    (scope.agents === null || scope.agents.has(call.agentId)) &&
    (scope.servers === null || scope.servers.has(call.serverId)) &&
    (scope.tools === null || scope.tools.has(call.toolId) || scope.tools.has(call.toolName)) &&
    (scope.users === null || (call.userId != null && scope.users.has(call.userId)))
  );
}

/** Whether a scope's team list names the call's team, or for a person any of their teams. */
function coversTeam(teams: ReadonlySet<string>, call: ScopedCall): boolean {
  if (call.teamIds === undefined) return teams.has(call.teamId);
  for (const id of call.teamIds) if (teams.has(id)) return true;
  return false;
}

/** The scope facts of an agent's call to a tool, made for `personId` when a person is signed in. */
export function scopedCall(
  agent: PolicySubject,
  server: SnapshotServer,
  tool: SnapshotTool,
  personId: string | null = null,
): ScopedCall {
  return {
    orgId: agent.orgId,
    teamId: agent.teamId,
    ...(agent.teamIds && { teamIds: agent.teamIds }),
    agentId: agent.id,
    serverId: server.id,
    toolId: tool.id,
    toolName: tool.exposedName,
    userId: personId,
  };
}
