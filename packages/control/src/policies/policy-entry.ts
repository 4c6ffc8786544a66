import { type ConfigPolicy, configPolicy } from "@portcullis/contracts/config-policies";
import { AppError } from "@portcullis/contracts/errors";
import { formatConfigPath } from "../change-plan/config-path";
import type { Tx } from "../db";
import {
  loadScopeDirectory,
  type PolicyScopeLists,
  type ScopeDirectory,
  scopeProblems,
  storedPolicyScope,
  unknownScopeUsers,
} from "./policy-scope";

/**
 * A policy as the console sends it: exactly an entry of the apply file's `policies:`
 * (name, kind, disabled?, priority?, scope by names, config), validated by the same
 * schema, so that the console and the file accept and store the same things.
 *
 * @throws AppError INVALID_INPUT with `fieldErrors` keyed by path (`config.detectors`).
 */
export function parsePolicyEntry(input: unknown): ConfigPolicy {
  const parsed = configPolicy.safeParse(input);
  if (parsed.success) return parsed.data;
  throw invalid(parsed.error.issues.map((i) => ({ path: i.path, message: i.message })));
}

/**
 * The scope as stored (ids, sorted), resolved against the organization the way apply
 * resolves a file's names against what it declares.
 *
 * @throws AppError INVALID_INPUT naming each unknown team, agent, server or person.
 */
export async function resolvePolicyScope(
  tx: Tx,
  orgId: string,
  scope: PolicyScopeLists,
  directory?: ScopeDirectory,
): Promise<PolicyScopeLists> {
  const { ids } = directory ?? (await loadScopeDirectory(tx, orgId));
  const known = {
    teams: new Set(ids.teams.keys()),
    agents: new Set(ids.agents.keys()),
    servers: new Set(ids.servers.keys()),
  };
  const problems = [...scopeProblems(scope, known), ...unknownScopeUsers(scope, new Set(ids.users.keys()))];
  if (problems.length > 0) throw invalid(problems);
  return storedPolicyScope(scope, ids)!;
}

function invalid(issues: Array<{ path: ReadonlyArray<PropertyKey>; message: string }>): AppError {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of issues) {
    const field = issue.path.map(String).join(".") || "(input)";
    fieldErrors[field] = [...(fieldErrors[field] ?? []), issue.message];
  }
  const lines = issues.map((i) => `${formatConfigPath(i.path)}: ${i.message}`);
  return new AppError("INVALID_INPUT", `invalid policy: ${lines.join("; ")}`, { details: { fieldErrors } });
}
