import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findPolicy } from "./find-policy";

/** Deletes a policy; gateways stop applying it with the next snapshot. */
export async function deletePolicy(
  db: Db,
  input: { orgId: string; actor: Actor; id: string },
): Promise<{ id: string; name: string }> {
  return db.$transaction(async (tx) => {
    const row = await findPolicy(tx, input.orgId, input.id);
    await tx.policy.delete({ where: { id: row.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "policy.delete",
      targetType: "policy",
      targetId: row.id,
      details: { name: row.name, kind: row.kind },
    });
    return { id: row.id, name: row.name };
  });
}
