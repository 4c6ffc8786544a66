import { AppError } from "@portcullis/contracts/errors";
import type { Role } from "@portcullis/db/client";
import type { Tx } from "../db";

export interface CallerMembership {
  user: { id: string; email: string; name: string | null };
  org: { id: string; name: string; slug: string; role: Role };
}

/**
 * The signed-in user's membership, read from the database on every call so that a removed
 * member or a changed role takes effect at once (a session cookie is no authority).
 * With `orgId` (the session's chosen organization) that membership; otherwise the oldest.
 * @throws AppError FORBIDDEN when the user belongs to no (such) organization.
 */
export async function findCallerMembership(
  db: Tx,
  session: { userId: string; orgId?: string },
): Promise<CallerMembership> {
  const membership = await db.membership.findFirst({
    where: { userId: session.userId, ...(session.orgId !== undefined && { orgId: session.orgId }) },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    include: {
      user: { select: { id: true, email: true, name: true } },
      organization: { select: { id: true, name: true, slug: true } },
    },
  });
  if (!membership) {
    throw new AppError("FORBIDDEN", "not allowed: you are not a member of this organization");
  }
  return { user: membership.user, org: { ...membership.organization, role: membership.role } };
}
