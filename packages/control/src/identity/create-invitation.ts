import type { Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { newInvitationToken } from "./invitation-token";
import { normalizeEmail } from "./normalize-email";

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface CreatedInvitation {
  invitationId: string;
  /** Returned once, for the accept URL; only its hash is stored. */
  token: string;
  email: string;
  role: Role;
  expiresAt: Date;
}

/**
 * Invites an email address into the organization with a role. The invitee joins by opening
 * the accept link (its token, returned once) and signing in with that email, verified by the
 * provider (see claimInvitation); a newer invitation for the same address replaces an open
 * one. Only an owner may invite another owner.
 */
export async function createInvitation(
  db: Db,
  input: { orgId: string; email: string; role: Role; actor: Actor; actorRole: Role; ttlMs?: number },
): Promise<CreatedInvitation> {
  const email = normalizeEmail(input.email);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new AppError("INVALID_INPUT", `"${input.email}" is not an email address`, {
      details: { field: "email" },
    });
  }
  if (input.role === "owner" && input.actorRole !== "owner") {
    throw new AppError("FORBIDDEN", "only an owner can invite another owner");
  }
  const { token, tokenHash } = newInvitationToken();
  const expiresAt = new Date(Date.now() + (input.ttlMs ?? INVITATION_TTL_MS));
  return db.$transaction(async (tx) => {
    const member = await tx.membership.findFirst({
      where: { orgId: input.orgId, user: { email } },
      select: { id: true },
    });
    if (member) {
      throw new AppError("CONFLICT", `${email} is already a member of this organization`, {
        details: { field: "email" },
      });
    }
    await tx.invitation.deleteMany({ where: { orgId: input.orgId, email, acceptedAt: null } });
    const invitationId = newId("invitation");
    await tx.invitation.create({
      data: {
        id: invitationId,
        orgId: input.orgId,
        email,
        role: input.role,
        tokenHash,
        invitedBy: input.actor.id ?? null,
        expiresAt,
      },
    });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "invitation.create",
      targetType: "invitation",
      targetId: invitationId,
      details: { email, role: input.role, expiresAt },
    });
    return { invitationId, token, email, role: input.role, expiresAt };
  });
}
