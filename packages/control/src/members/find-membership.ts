import { AppError } from "@portcullis/contracts/errors";
import type { Tx } from "../db";

/** A user's membership in the organization, with their email; NOT_FOUND when they are not a member. */
export async function findMembership(tx: Tx, orgId: string, userId: string) {
  const membership = await tx.membership.findUnique({ where: { orgId_userId: { orgId, userId } } });
  if (!membership) throw new AppError("NOT_FOUND", `user ${userId} is not a member of this organization`);
  const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
  return { ...membership, email: user.email };
}

/** An organization keeps at least one owner: nobody could manage owners otherwise. */
export async function assertAnotherOwner(tx: Tx, orgId: string, userId: string): Promise<void> {
  const others = await tx.membership.count({ where: { orgId, role: "owner", userId: { not: userId } } });
  if (others === 0) {
    throw new AppError("CONFLICT", "an organization needs at least one owner: make someone else owner first");
  }
}
