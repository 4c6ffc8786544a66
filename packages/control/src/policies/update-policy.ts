import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { canonicalJson } from "../canonical-json";
import { fieldChanges } from "../change-plan/field-changes";
import type { Db } from "../db";
import { duplicateName, nameConflict } from "../servers/unique-name";
import { findPolicy } from "./find-policy";
import { parsePolicyEntry, resolvePolicyScope } from "./policy-entry";
import { policyValues } from "./policy-scope";

const FIELDS = ["name", "kind", "enabled", "priority", "scope", "config"] as const;

/**
 * Replaces a policy with an apply-file entry (a rename included). No-op when nothing
 * differs. The audit row names the changed fields, with before/after values except for
 * scope and config (recorded by name only, as apply records them: configs can be long).
 *
 * @throws AppError NOT_FOUND (also for another organization's id), INVALID_INPUT (with
 *   fieldErrors), CONFLICT when renamed to a name another policy has.
 */
export async function updatePolicy(
  db: Db,
  input: { orgId: string; actor: Actor; id: string; policy: unknown },
): Promise<{ id: string; name: string; changed: string[] }> {
  const values = policyValues(parsePolicyEntry(input.policy));
  try {
    return await db.$transaction(async (tx) => {
      const row = await findPolicy(tx, input.orgId, input.id);
      const next = { ...values, scope: await resolvePolicyScope(tx, input.orgId, values.scope) };
      const changed = FIELDS.filter((f) => canonicalJson(row[f] ?? null) !== canonicalJson(next[f]));
      if (changed.length === 0) return { id: row.id, name: row.name, changed: [] };
      if (
        next.name !== row.name &&
        (await tx.policy.findFirst({ where: { orgId: input.orgId, name: next.name } }))
      ) {
        throw duplicateName("policy", next.name);
      }
      await tx.policy.update({
        where: { id: row.id },
        data: {
          name: next.name,
          kind: next.kind,
          enabled: next.enabled,
          priority: next.priority,
          scope: next.scope,
          config: next.config as object,
        },
      });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "policy.update",
        targetType: "policy",
        targetId: row.id,
        details: {
          name: next.name,
          kind: next.kind,
          fields: [...changed],
          changes: fieldChanges(
            row,
            next,
            changed.filter((f) => f !== "scope" && f !== "config"),
          ),
        },
      });
      return { id: row.id, name: next.name, changed: [...changed] };
    });
  } catch (error) {
    throw nameConflict(error, "policy", values.name);
  }
}
