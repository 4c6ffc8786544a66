import type { ConfigPolicy } from "@portcullis/contracts/config-policies";
import { TOOL_NAME_SEPARATOR } from "@portcullis/contracts/snapshot";
import type { PolicyKind } from "@portcullis/db/client";
import { toolRiskKey } from "../change-plan/entry-keys";
import type { Tx } from "../db";
import { normalizeEmail } from "../identity/normalize-email";

/**
 * A policy's scope and the rest of its row, shared by `portcullis apply` (plan-policies)
 * and the console's policy use cases, so that both validate and store a policy the same
 * way and re-applying a file never "changes" what the console wrote.
 */

/** Matches the column default, so a file that omits `priority` agrees with a fresh row. */
export const DEFAULT_POLICY_PRIORITY = 100;

export const SCOPE_LISTS = ["teams", "agents", "servers", "tools", "users"] as const;
export type ScopeList = (typeof SCOPE_LISTS)[number];

/**
 * Scope lists as a file names them (tools as `<server>__<tool>`, people by lower-cased
 * email), or as stored (ids); empty means all. A stored scope has `users` only when it names
 * someone, so scopes written before people were principals compare equal.
 */
export type PolicyScopeLists = Record<Exclude<ScopeList, "users">, string[]> & { users?: string[] };

/** A policy row's values, from a file entry (or a console form, which sends the same entry). */
export interface PolicyValues {
  name: string;
  kind: PolicyKind;
  enabled: boolean;
  priority: number;
  /** By name. */
  scope: PolicyScopeLists;
  config: Record<string, unknown>;
}

/** The row values a validated entry stands for: defaults filled in the way the columns fill them. */
export function policyValues(entry: ConfigPolicy): PolicyValues {
  return {
    name: entry.name,
    kind: entry.kind,
    enabled: !entry.disabled,
    priority: entry.priority ?? DEFAULT_POLICY_PRIORITY,
    scope: {
      teams: entry.scope?.teams ?? [],
      agents: entry.scope?.agents ?? [],
      servers: entry.scope?.servers ?? [],
      tools: entry.scope?.tools ?? [],
      ...(entry.scope?.users?.length && { users: entry.scope.users.map(normalizeEmail) }),
    },
    config: entry.config as Record<string, unknown>,
  };
}

/** A scope name that names nothing: where (relative to the entry) and why. */
export interface ScopeProblem {
  path: ["scope", ScopeList, number];
  message: string;
  /** The list a file declares the missing thing under (`teams`, `servers`…). */
  missing: "teams" | "agents" | "servers" | null;
}

/**
 * People a scope names who are not members (`known`: member emails, lower-cased). A file
 * declares no people, so apply checks them against the organization (resolve-people.ts).
 */
export function unknownScopeUsers(scope: PolicyScopeLists, known: ReadonlySet<string>): ScopeProblem[] {
  return (scope.users ?? []).flatMap((email, j) =>
    known.has(email)
      ? []
      : [
          {
            path: ["scope", "users", j] as ScopeProblem["path"],
            message: `"${email}" is not a member of the organization`,
            missing: null,
          },
        ],
  );
}

/**
 * Scope names that name nothing among `known` (teams, agents and servers by name; a tool
 * by its server: the catalog may not list a new server's tools yet).
 */
export function scopeProblems(
  scope: PolicyScopeLists,
  known: { teams: ReadonlySet<string>; agents: ReadonlySet<string>; servers: ReadonlySet<string> },
): ScopeProblem[] {
  const problems: ScopeProblem[] = [];
  for (const list of ["teams", "agents", "servers"] as const) {
    scope[list].forEach((name, j) => {
      if (!known[list].has(name))
        problems.push({
          path: ["scope", list, j],
          message: `unknown ${list.slice(0, -1)} "${name}"`,
          missing: list,
        });
    });
  }
  scope.tools.forEach((tool, j) => {
    const at = tool.indexOf(TOOL_NAME_SEPARATOR);
    if (at <= 0 || at + TOOL_NAME_SEPARATOR.length >= tool.length)
      problems.push({
        path: ["scope", "tools", j],
        message: `name a tool as <server>${TOOL_NAME_SEPARATOR}<tool>, got "${tool}"`,
        missing: null,
      });
    else if (!known.servers.has(tool.slice(0, at)))
      problems.push({
        path: ["scope", "tools", j],
        message: `unknown server "${tool.slice(0, at)}"`,
        missing: "servers",
      });
  });
  return problems;
}

/** Names → ids: teams, agents and servers by name; tools by `<server>/<tool>` (toolRiskKey). */
export interface ScopeIds {
  teams: Map<string, string>;
  agents: Map<string, string>;
  servers: Map<string, string>;
  tools: Map<string, string>;
  /** Member email (lower-cased) → user id. */
  users: Map<string, string>;
}

/**
 * The stored scope: ids, sorted. A tool the catalog does not list yet (a server an apply
 * creates, never synced) is stored by its exposed name, which the gateway matches as
 * well; re-applying once the catalog lists it stores its id (applyAndPublish does this
 * right after the catalog sync). Returns null when a team, agent or server does not exist
 * (yet: an apply creates it, so the policy differs anyway).
 */
export function storedPolicyScope(scope: PolicyScopeLists, ids: ScopeIds): PolicyScopeLists | null {
  const byName = (names: string[], map: Map<string, string>) => names.map((n) => map.get(n));
  const teams = byName(scope.teams, ids.teams);
  const agents = byName(scope.agents, ids.agents);
  const servers = byName(scope.servers, ids.servers);
  const users = byName(scope.users ?? [], ids.users);
  if ([...teams, ...agents, ...servers, ...users].some((id) => id === undefined)) return null;
  const tools = scope.tools.map((exposed) => {
    const at = exposed.indexOf(TOOL_NAME_SEPARATOR);
    const key = toolRiskKey(exposed.slice(0, at), exposed.slice(at + TOOL_NAME_SEPARATOR.length));
    return ids.tools.get(key) ?? exposed;
  });
  const sorted = (xs: Array<string | undefined>) => [...new Set(xs as string[])].sort();
  return {
    teams: sorted(teams),
    agents: sorted(agents),
    servers: sorted(servers),
    tools: sorted(tools),
    ...(users.length > 0 && { users: sorted(users) }),
  };
}

/** What a scope can name in an organization: names → ids, and back. */
export interface ScopeDirectory {
  ids: ScopeIds;
  /** Id → name; a tool id → `<server>__<tool>`. */
  names: Record<ScopeList, Map<string, string>>;
}

/** The organization's teams, agents, servers, tools and members (by email) by name and by id. */
export async function loadScopeDirectory(tx: Tx, orgId: string): Promise<ScopeDirectory> {
  // One query at a time: overlapping queries on a transaction's connection are a pg deprecation.
  const teams = await tx.team.findMany({ where: { orgId }, select: { id: true, name: true } });
  const agents = await tx.agent.findMany({ where: { orgId }, select: { id: true, name: true } });
  const servers = await tx.server.findMany({ where: { orgId }, select: { id: true, name: true } });
  const tools = await tx.tool.findMany({
    where: { orgId },
    select: { id: true, upstreamName: true, serverId: true },
  });
  const people = await tx.membership.findMany({
    where: { orgId },
    select: { user: { select: { id: true, email: true } } },
  });
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  const catalog = tools
    .filter((t) => serverName.has(t.serverId))
    .map((t) => ({ id: t.id, server: serverName.get(t.serverId)!, tool: t.upstreamName }));
  return {
    ids: {
      teams: new Map(teams.map((t) => [t.name, t.id])),
      agents: new Map(agents.map((a) => [a.name, a.id])),
      servers: new Map(servers.map((s) => [s.name, s.id])),
      tools: new Map(catalog.map((t) => [toolRiskKey(t.server, t.tool), t.id])),
      users: new Map(people.map((p) => [normalizeEmail(p.user.email), p.user.id])),
    },
    names: {
      teams: new Map(teams.map((t) => [t.id, t.name])),
      agents: new Map(agents.map((a) => [a.id, a.name])),
      servers: serverName,
      tools: new Map(catalog.map((t) => [t.id, `${t.server}${TOOL_NAME_SEPARATOR}${t.tool}`])),
      users: new Map(people.map((p) => [p.user.id, normalizeEmail(p.user.email)])),
    },
  };
}
