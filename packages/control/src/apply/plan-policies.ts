import type { ConfigPolicy } from "@portcullis/contracts/config-policies";
import { newId } from "@portcullis/contracts/ids";
import { TOOL_NAME_SEPARATOR } from "@portcullis/contracts/snapshot";
import type { PolicyKind } from "@portcullis/db/client";
import { canonicalJson } from "../canonical-json";
import type { Tx } from "../db";
import { toolRiskKey } from "./desired-state";
import type { Installation } from "./load-installation";
import { type ApplyContext, fieldChanges, type Operation } from "./plan";

/** Matches the column default, so a file that omits `priority` agrees with a fresh row. */
export const DEFAULT_POLICY_PRIORITY = 100;

/** A policy as the file declares it: scope by names (`<server>__<tool>` for tools), config already validated by its kind's schema. */
export interface DesiredPolicy {
  path: string;
  name: string;
  kind: PolicyKind;
  enabled: boolean;
  priority: number;
  scope: { teams: string[]; agents: string[]; servers: string[]; tools: string[] };
  config: Record<string, unknown>;
}

/** A policy row, with its scope as stored (ids). */
export interface InstalledPolicy {
  id: string;
  name: string;
  kind: PolicyKind;
  enabled: boolean;
  priority: number;
  scope: unknown;
  config: unknown;
}

type StoredScope = DesiredPolicy["scope"];

/**
 * The `policies:` entries as desired state. Checks what the schema cannot: unique names
 * (across kinds: the name is the identity), and scope names that the file declares
 * (teams, agents, servers; a tool's server). Problems are appended to `problems`.
 */
export function resolveDesiredPolicies(
  entries: readonly ConfigPolicy[],
  declared: { teams: Set<string>; agents: Set<string>; servers: Set<string> },
  unique: (kind: string, name: string, path: string) => void,
  problems: string[],
): DesiredPolicy[] {
  return entries.map((p, i) => {
    const path = `policies[${i}]`;
    unique("policy", p.name, `${path}.name`);
    const scope: StoredScope = {
      teams: p.scope?.teams ?? [],
      agents: p.scope?.agents ?? [],
      servers: p.scope?.servers ?? [],
      tools: p.scope?.tools ?? [],
    };
    for (const list of ["teams", "agents", "servers"] as const) {
      scope[list].forEach((name, j) => {
        if (!declared[list].has(name))
          problems.push(
            `${path}.scope.${list}[${j}]: unknown ${list.slice(0, -1)} "${name}" (declare it under ${list}:)`,
          );
      });
    }
    scope.tools.forEach((tool, j) => {
      const at = tool.indexOf(TOOL_NAME_SEPARATOR);
      if (at <= 0 || at + TOOL_NAME_SEPARATOR.length >= tool.length)
        problems.push(
          `${path}.scope.tools[${j}]: name a tool as <server>${TOOL_NAME_SEPARATOR}<tool>, got "${tool}"`,
        );
      else if (!declared.servers.has(tool.slice(0, at)))
        problems.push(
          `${path}.scope.tools[${j}]: unknown server "${tool.slice(0, at)}" (declare it under servers:)`,
        );
    });
    return {
      path,
      name: p.name,
      kind: p.kind,
      enabled: !p.disabled,
      priority: p.priority ?? DEFAULT_POLICY_PRIORITY,
      scope,
      config: p.config as Record<string, unknown>,
    };
  });
}

export async function loadInstalledPolicies(tx: Tx, orgId: string): Promise<InstalledPolicy[]> {
  return tx.policy.findMany({
    where: { orgId },
    select: { id: true, name: true, kind: true, enabled: true, priority: true, scope: true, config: true },
    orderBy: { name: "asc" },
  });
}

/** Names → ids, from what exists (at plan time) or what this apply created (at run time). */
interface ScopeIds {
  teams: Map<string, string>;
  agents: Map<string, string>;
  servers: Map<string, string>;
  /** `<server>/<tool>` → tool id, from the catalog. */
  tools: Map<string, string>;
}

/**
 * The stored scope: ids, sorted. A tool the catalog does not list yet (a server this apply
 * creates, never synced) is stored by its exposed name, which the DLP stage matches as
 * well; re-applying once the catalog lists it stores its id (applyAndPublish does this
 * right after the catalog sync). Returns null when a team, agent or server does not exist
 * yet (it is created by this apply, so the policy differs anyway).
 */
function storedScope(scope: StoredScope, ids: ScopeIds): StoredScope | null {
  const byName = (names: string[], map: Map<string, string>) => names.map((n) => map.get(n));
  const teams = byName(scope.teams, ids.teams);
  const agents = byName(scope.agents, ids.agents);
  const servers = byName(scope.servers, ids.servers);
  if ([...teams, ...agents, ...servers].some((id) => id === undefined)) return null;
  const tools = scope.tools.map((exposed) => {
    const at = exposed.indexOf(TOOL_NAME_SEPARATOR);
    const key = toolRiskKey(exposed.slice(0, at), exposed.slice(at + TOOL_NAME_SEPARATOR.length));
    return ids.tools.get(key) ?? exposed;
  });
  const sorted = (xs: Array<string | undefined>) => [...new Set(xs as string[])].sort();
  return { teams: sorted(teams), agents: sorted(agents), servers: sorted(servers), tools: sorted(tools) };
}

const COMPARED = ["kind", "enabled", "priority", "scope", "config"] as const;

/**
 * Policy creates, updates and deletes. Scopes reference teams, agents, servers and tools
 * by id inside a JSON column (no foreign keys), so the upserts run last, once everything
 * they name exists; deletes can run anywhere.
 */
export function planPolicies(
  installation: Installation,
  desired: DesiredPolicy[],
): { deletes: Operation[]; upserts: Operation[] } {
  const current = installation.policies;
  const byName = new Map(current.map((p) => [p.name, p]));
  const wanted = new Set(desired.map((p) => p.name));
  const installedTools = new Map(installation.tools.map((t) => [t.key, t.id]));
  const planIds: ScopeIds = {
    teams: new Map(installation.teams.map((t) => [t.name, t.id])),
    agents: new Map(installation.agents.map((a) => [a.name, a.id])),
    servers: new Map(installation.servers.map((s) => [s.name, s.id])),
    tools: installedTools,
  };
  const runIds = (ctx: ApplyContext): ScopeIds => ({
    teams: ctx.teamIds,
    agents: ctx.agentIds,
    servers: ctx.serverIds,
    tools: installedTools,
  });
  const resolved = (want: DesiredPolicy, ctx: ApplyContext): StoredScope =>
    storedScope(want.scope, runIds(ctx))!;

  const deletes: Operation[] = current
    .filter((p) => !wanted.has(p.name))
    .map((row) => ({
      change: { action: "delete", kind: "policy", name: row.name },
      details: { kind: row.kind },
      run: async (tx) => {
        await tx.policy.delete({ where: { id: row.id } });
        return row.id;
      },
    }));

  const upserts: Operation[] = [];
  for (const want of desired) {
    const row = byName.get(want.name);
    if (!row) {
      upserts.push({
        change: { action: "create", kind: "policy", name: want.name },
        details: { kind: want.kind },
        run: async (tx, ctx) => {
          const id = newId("policy");
          await tx.policy.create({
            data: {
              id,
              orgId: ctx.orgId,
              name: want.name,
              kind: want.kind,
              enabled: want.enabled,
              priority: want.priority,
              scope: resolved(want, ctx),
              config: want.config as object,
              createdBy: ctx.createdBy,
            },
          });
          return id;
        },
      });
      continue;
    }
    const values = { ...want, scope: storedScope(want.scope, planIds) };
    const fields = COMPARED.filter(
      (f) => values[f] === null || canonicalJson(row[f] ?? null) !== canonicalJson(values[f]),
    );
    if (fields.length === 0) continue;
    upserts.push({
      change: { action: "update", kind: "policy", name: want.name, fields: [...fields] },
      // Scope and config changes are recorded by field name only: configs can be long.
      details: {
        kind: want.kind,
        changes: fieldChanges(
          row,
          values,
          fields.filter((f) => f !== "scope" && f !== "config"),
        ),
      },
      run: async (tx, ctx) => {
        await tx.policy.update({
          where: { id: row.id },
          data: {
            kind: want.kind,
            enabled: want.enabled,
            priority: want.priority,
            scope: resolved(want, ctx),
            config: want.config as object,
          },
        });
        return row.id;
      },
    });
  }
  return { deletes, upserts };
}
