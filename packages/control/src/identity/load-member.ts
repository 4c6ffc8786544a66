import type { Role } from "@portcullis/auth/permissions";
import type { Db } from "../db";

export interface SessionMember {
  user: { id: string; email: string; name: string | null };
  org: { id: string; name: string; slug: string };
  role: Role;
}

/**
 * The signed-in user's current membership, read fresh from the database on every request
 * so that a removed user or a changed role takes effect at once (the session cookie only
 * carries the user id). Undefined when the user no longer belongs to any organization.
 */
export async function loadMember(db: Db, userId: string): Promise<SessionMember | undefined> {
  const m = await db.membership.findFirst({
    where: { userId },
    orderBy: { createdAt: "asc" },
    include: {
      user: { select: { id: true, email: true, name: true } },
      organization: { select: { id: true, name: true, slug: true } },
    },
  });
  if (!m) return undefined;
  return { user: m.user, org: m.organization, role: m.role as Role };
}
