import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findPolicy } from "./find-policy";

/**
 * Turns a policy off (gateways stop applying it with the next snapshot) or on again.
 * Recorded as `policy.update` of `enabled`, the row apply writes for the same change
 * (`disabled: true` in the file).
 */
export async function setPolicyEnabled(
  db: Db,
  input: { orgId: string; actor: Actor; id: string; enabled: boolean },
): Promise<{ id: string; name: string; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const row = await findPolicy(tx, input.orgId, input.id);
    if (row.enabled === input.enabled) return { id: row.id, name: row.name, changed: false };
    await tx.policy.update({ where: { id: row.id }, data: { enabled: input.enabled } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "policy.update",
      targetType: "policy",
      targetId: row.id,
      details: {
        name: row.name,
        kind: row.kind,
        fields: ["enabled"],
        changes: { enabled: { from: row.enabled, to: input.enabled } },
      },
    });
    return { id: row.id, name: row.name, changed: true };
  });
}
