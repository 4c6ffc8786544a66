import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { itemGrantKey } from "../change-plan/entry-keys";
import type { Db } from "../db";
import { grantNames } from "../grants/grant-names";

/** Deletes a resource or prompt grant (back to default deny for what only it allowed). */
export async function deleteItemGrant(
  db: Db,
  input: { orgId: string; actor: Actor; id: string },
): Promise<{ id: string; key: string }> {
  return db.$transaction(async (tx) => {
    const grant = await tx.itemGrant.findFirst({ where: { id: input.id, orgId: input.orgId } });
    if (!grant) throw new AppError("NOT_FOUND", `grant ${input.id} does not exist`);
    const { server, subject } = await grantNames(tx, grant);
    const key = itemGrantKey(subject.type, subject.name, server, grant.kind, grant.pattern);
    await tx.itemGrant.delete({ where: { id: grant.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "grant.delete",
      targetType: "grant",
      targetId: grant.id,
      details: { name: key, effect: grant.effect },
    });
    return { id: grant.id, key };
  });
}
