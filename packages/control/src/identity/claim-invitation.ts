import type { Role } from "@portcullis/auth/permissions";
import { AppError } from "@portcullis/contracts/errors";
import type { Tx } from "../db";
import { hashInvitationToken } from "./invitation-token";

/** Why an invitation link did not admit someone; the login page words each one. */
export type InvitationRefusal = "invitation-invalid" | "invitation-unverified" | "invitation-email";

export interface ClaimedInvitation {
  invitationId: string;
  orgId: string;
  orgSlug: string;
  role: Role;
}

/**
 * Accepts the invitation behind an accept link's token for the person signing in. It
 * admits only through the link (the token, which only the invitee was given) and only a
 * person whose provider vouches for the invited address (`email_verified`): knowing or
 * registering the email at the provider is not enough. The token is single-use: the
 * acceptance is a conditional update, so a second sign-in with the same link is refused.
 */
export async function claimInvitation(
  tx: Tx,
  input: { token: string; email: string; emailVerified: boolean },
): Promise<ClaimedInvitation> {
  const invitation = await tx.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(input.token) },
    include: { organization: { select: { slug: true } } },
  });
  if (!invitation || invitation.acceptedAt || invitation.expiresAt.getTime() <= Date.now()) {
    throw refusal(
      "invitation-invalid",
      "this invitation link is unknown, expired or already used; ask an admin for a new one",
    );
  }
  if (!input.emailVerified) {
    throw refusal(
      "invitation-unverified",
      `your identity provider has not verified ${input.email}; an invitation needs a verified email`,
    );
  }
  if (invitation.email !== input.email) {
    // Not naming the invited address: the link may have reached the wrong person.
    throw refusal(
      "invitation-email",
      `this invitation is for another email address than ${input.email}; sign in with the invited account`,
    );
  }
  const accepted = await tx.invitation.updateMany({
    where: { id: invitation.id, acceptedAt: null },
    data: { acceptedAt: new Date() },
  });
  if (accepted.count !== 1) {
    throw refusal("invitation-invalid", "this invitation link has already been used");
  }
  return {
    invitationId: invitation.id,
    orgId: invitation.orgId,
    orgSlug: invitation.organization.slug,
    role: invitation.role as Role,
  };
}

function refusal(reason: InvitationRefusal, message: string): AppError {
  return new AppError("FORBIDDEN", message, { details: { reason } });
}
