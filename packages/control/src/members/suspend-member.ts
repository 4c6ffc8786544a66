import type { Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findMembership } from "./find-membership";

/**
 * Suspends a member (or lifts it). A suspended person keeps their membership and teams, but
 * the gateways refuse their OAuth tokens once the next snapshot loads and the authorization
 * server neither signs them in nor refreshes their tokens. Owners are suspended only by owners.
 */
export async function setMemberSuspended(
  db: Db,
  input: { orgId: string; actor: Actor; actorRole: Role; userId: string; suspended: boolean },
): Promise<{ userId: string; suspended: boolean; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const membership = await findMembership(tx, input.orgId, input.userId);
    if (membership.role === "owner" && input.actorRole !== "owner")
      throw new AppError("FORBIDDEN", "not allowed: only an owner can suspend an owner");
    const row = await tx.membership.findUniqueOrThrow({ where: { id: membership.id } });
    if ((row.suspendedAt !== null) === input.suspended)
      return { userId: input.userId, suspended: input.suspended, changed: false };
    await tx.membership.update({
      where: { id: membership.id },
      data: { suspendedAt: input.suspended ? new Date() : null },
    });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: input.suspended ? "member.suspend" : "member.unsuspend",
      targetType: "user",
      targetId: input.userId,
      details: { email: membership.email },
    });
    return { userId: input.userId, suspended: input.suspended, changed: true };
  });
}
