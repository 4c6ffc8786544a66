import type { ConfigPolicy } from "@portcullis/contracts/config-policies";
import { newId } from "@portcullis/contracts/ids";
import { canonicalJson } from "../canonical-json";
import { formatConfigPath } from "../change-plan/config-path";
import { fieldChanges } from "../change-plan/field-changes";
import {
  type PolicyScopeLists,
  type PolicyValues,
  policyValues,
  type ScopeIds,
  scopeProblems,
  storedPolicyScope,
} from "../policies/policy-scope";
import type { Installation } from "./load-installation";
import type { ApplyContext, Operation } from "./plan";

/** A policy as the file declares it: scope by names (`<server>__<tool>` for tools), config already validated by its kind's schema. */
export interface DesiredPolicy extends PolicyValues {
  path: string;
}

type StoredScope = PolicyScopeLists;

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
    const values = policyValues(p);
    for (const problem of scopeProblems(values.scope, declared)) {
      const hint = problem.missing ? ` (declare it under ${problem.missing}:)` : "";
      problems.push(`${path}.${formatConfigPath(problem.path)}: ${problem.message}${hint}`);
    }
    return { path, ...values };
  });
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
    users: new Map(installation.people.map((p) => [p.email, p.id])),
  };
  const runIds = (ctx: ApplyContext): ScopeIds => ({
    teams: ctx.teamIds,
    agents: ctx.agentIds,
    servers: ctx.serverIds,
    tools: installedTools,
    users: ctx.userIds,
  });
  const resolved = (want: DesiredPolicy, ctx: ApplyContext): StoredScope =>
    storedPolicyScope(want.scope, runIds(ctx))!;

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
    const values = { ...want, scope: storedPolicyScope(want.scope, planIds) };
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
