import { TOOL_NAME_SEPARATOR } from "@portcullis/contracts/snapshot";
import type { Policy, PolicyKind } from "@portcullis/db/client";
import { SCOPE_LISTS, type ScopeDirectory, type ScopeList } from "./policy-scope";

/**
 * One stored scope reference: `ref` is what the row holds (an id, or a tool's exposed name
 * until the catalog lists it) and `name` how the file names it; null when it names
 * something deleted since (the policy then covers nothing through it).
 */
export interface ScopeRef {
  ref: string;
  name: string | null;
}

export interface PolicyView {
  id: string;
  name: string;
  kind: PolicyKind;
  enabled: boolean;
  priority: number;
  scope: Record<ScopeList, ScopeRef[]>;
  config: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A policy row with its scope's ids turned back into the names the file (and the console's pickers) use. */
export function toPolicyView(row: Policy, directory: ScopeDirectory): PolicyView {
  const stored = (row.scope ?? {}) as Partial<Record<ScopeList, unknown>>;
  const scope = {} as Record<ScopeList, ScopeRef[]>;
  for (const list of SCOPE_LISTS) {
    const refs = Array.isArray(stored[list]) ? (stored[list] as unknown[]).map(String) : [];
    scope[list] = refs.map((ref) => ({ ref, name: scopeName(list, ref, directory) }));
  }
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    enabled: row.enabled,
    priority: row.priority,
    scope,
    config: (row.config ?? {}) as Record<string, unknown>,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function scopeName(list: ScopeList, ref: string, directory: ScopeDirectory): string | null {
  const name = directory.names[list].get(ref);
  if (name !== undefined) return name;
  // A tool not in the catalog yet is stored by its exposed name (see storedPolicyScope).
  if (list === "tools" && ref.includes(TOOL_NAME_SEPARATOR)) return ref;
  return null;
}
