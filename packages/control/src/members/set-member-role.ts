import type { Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { assertAnotherOwner, findMembership } from "./find-membership";

/**
 * Changes a member's role. Only an owner may make someone owner or change an owner's
 * role, and the last owner cannot step down. Takes effect on the member's next request.
 */
export async function setMemberRole(
  db: Db,
  input: { orgId: string; actor: Actor; actorRole: Role; userId: string; role: Role },
): Promise<{ userId: string; role: Role; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const membership = await findMembership(tx, input.orgId, input.userId);
    if (membership.role === input.role) return { userId: input.userId, role: input.role, changed: false };
    if ((membership.role === "owner" || input.role === "owner") && input.actorRole !== "owner") {
      throw new AppError("FORBIDDEN", "not allowed: only an owner can make or unmake an owner");
    }
    if (membership.role === "owner") await assertAnotherOwner(tx, input.orgId, input.userId);
    await tx.membership.update({ where: { id: membership.id }, data: { role: input.role } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "member.role",
      targetType: "user",
      targetId: input.userId,
      details: { email: membership.email, changes: { role: { from: membership.role, to: input.role } } },
    });
    return { userId: input.userId, role: input.role, changed: true };
  });
}
