import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";

/** Deletes a portal: its endpoint answers 404 once the next snapshot is published. */
export async function deletePortal(
  db: Db,
  input: { orgId: string; actor: Actor; id: string },
): Promise<{ id: string; name: string }> {
  return db.$transaction(async (tx) => {
    const row = await tx.portal.findFirst({ where: { id: input.id, orgId: input.orgId } });
    if (!row) throw new AppError("NOT_FOUND", "portal not found");
    await tx.portal.delete({ where: { id: row.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "portal.delete",
      targetType: "portal",
      targetId: row.id,
      details: { name: row.name },
    });
    return { id: row.id, name: row.name };
  });
}
