import type { Role } from "@portcullis/auth/permissions";
import type { Db } from "../db";
import { hashInvitationToken } from "./invitation-token";

export interface InvitationView {
  email: string;
  role: Role;
  orgName: string;
  state: "open" | "accepted" | "expired";
}

/**
 * What the login page tells someone who follows an accept URL. Unknown tokens give
 * undefined: the page then shows the plain sign-in, revealing nothing.
 */
export async function findInvitation(db: Db, token: string): Promise<InvitationView | undefined> {
  const row = await db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    include: { organization: { select: { name: true } } },
  });
  if (!row) return undefined;
  const state = row.acceptedAt ? "accepted" : row.expiresAt.getTime() <= Date.now() ? "expired" : "open";
  return { email: row.email, role: row.role as Role, orgName: row.organization.name, state };
}
