import type { Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { assertAnotherOwner, findMembership } from "./find-membership";

/**
 * Removes a member from the organization, from its teams and from the grants naming them. Their console access ends
 * with their next request (membership is checked on every call). Owners are removed only
 * by owners, and never the last one.
 */
export async function removeMember(
  db: Db,
  input: { orgId: string; actor: Actor; actorRole: Role; userId: string },
): Promise<{ userId: string }> {
  return db.$transaction(async (tx) => {
    const membership = await findMembership(tx, input.orgId, input.userId);
    if (membership.role === "owner") {
      if (input.actorRole !== "owner")
        throw new AppError("FORBIDDEN", "not allowed: only an owner can remove an owner");
      await assertAnotherOwner(tx, input.orgId, input.userId);
    }
    await tx.teamMember.deleteMany({ where: { userId: input.userId, team: { orgId: input.orgId } } });
    // Grants naming the person go with their membership: a returning member starts from their teams.
    const grants = await tx.grant.deleteMany({ where: { orgId: input.orgId, userId: input.userId } });
    const itemGrants = await tx.itemGrant.deleteMany({ where: { orgId: input.orgId, userId: input.userId } });
    await tx.membership.delete({ where: { id: membership.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "member.remove",
      targetType: "user",
      targetId: input.userId,
      details: {
        email: membership.email,
        role: membership.role,
        ...(grants.count + itemGrants.count > 0 && { grantsDeleted: grants.count + itemGrants.count }),
      },
    });
    return { userId: input.userId };
  });
}
