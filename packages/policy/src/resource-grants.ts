import type { SnapshotItemGrant, SnapshotServer } from "@portcullis/contracts/snapshot";
import { grantReachesSubject, type PolicySubject } from "./policy-subject";

/** What an item grant covers: a resource by URI, or a prompt by its upstream name. */
export type ItemKind = "resource" | "prompt";

export type ItemDecision =
  | { effect: "allow"; grantId: string }
  | { effect: "deny"; grantId: string | null; reason: string };

/** The grants of one kind that can apply to an agent, by server (computed once per view). */
export interface ItemGrants {
  kind: ItemKind;
  /** An agent, or a person standing in as one (their own grants and every team's). */
  agent: PolicySubject;
  byServer: ReadonlyMap<string, readonly SnapshotItemGrant[]>;
  /** Active servers on which some grant of this kind allows something, by name. */
  servers: SnapshotServer[];
}

/**
 * Glob match with the syntax of tool patterns (`*` any run, `?` one character, the rest
 * literal), without a regex: a resource URI comes from the agent and may be long, and a
 * pattern such as `*a*a*a*b` compiled to a backtracking regex costs polynomial time in it.
 * The greedy two-pointer walk (back to the last `*` on a mismatch) is O(pattern × text).
 */
export function matchesGlob(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && c !== 42 && (c === 63 || c === text.charCodeAt(t))) {
      p++;
      t++;
    } else if (p < pattern.length && c === 42) {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else return false;
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

/**
 * Collects an agent's resource or prompt grants (a person's: their own and every team's).
 * Only grants of this kind count: a tool
 * grant (allow or deny, on one tool or `*`) exposes no resource and no prompt.
 */
export function itemGrantsFor(
  kind: ItemKind,
  agent: PolicySubject,
  grants: readonly SnapshotItemGrant[],
  serversById: ReadonlyMap<string, SnapshotServer>,
): ItemGrants {
  const byServer = new Map<string, SnapshotItemGrant[]>();
  for (const g of grants) {
    if (!grantReachesSubject(g, agent)) continue;
    const list = byServer.get(g.serverId) ?? [];
    list.push(g);
    byServer.set(g.serverId, list);
  }
  const servers: SnapshotServer[] = [];
  for (const [serverId, list] of byServer) {
    const server = serversById.get(serverId);
    if (server?.status === "active" && server.orgId === agent.orgId && list.some((g) => g.effect === "allow"))
      servers.push(server);
  }
  servers.sort((a, b) => a.name.localeCompare(b.name));
  return { kind, agent, byServer, servers };
}

/**
 * Decides whether an agent may read a resource (by URI) or get a prompt (by upstream name)
 * of a server, the way decideToolCall decides a tool: default deny, a disabled agent or
 * server is denied first, and among matching grants deny wins over allow, whether it comes
 * from the agent's own grants or its team's.
 */
export function decideItemAccess(grants: ItemGrants, server: SnapshotServer, name: string): ItemDecision {
  const { agent, kind } = grants;
  const who = agent.teamIds ? `person '${agent.name}'` : `agent '${agent.name}'`;
  if (agent.status !== "active")
    return {
      effect: "deny",
      grantId: null,
      reason: agent.teamIds ? `${who} is suspended` : `${who} is disabled`,
    };
  if (server.status !== "active")
    return { effect: "deny", grantId: null, reason: `server '${server.name}' is disabled` };
  let allow: SnapshotItemGrant | null = null;
  for (const g of grants.byServer.get(server.id) ?? []) {
    if (!matchesGlob(g.pattern, name)) continue;
    if (g.effect === "deny")
      return { effect: "deny", grantId: g.id, reason: g.reason ?? `a deny grant forbids ${kind} '${name}'` };
    allow ??= g;
  }
  if (allow) return { effect: "allow", grantId: allow.id };
  return {
    effect: "deny",
    grantId: null,
    reason: `no grant gives ${who} access to ${kind} '${name}' on '${server.name}' (default deny)`,
  };
}
