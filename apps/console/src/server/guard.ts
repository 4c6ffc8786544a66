import { can, type Permission } from "@portcullis/auth/permissions";
import type { SessionMember } from "@portcullis/control/identity/load-member";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { PATH_HEADER } from "../lib/path-header";
import { currentMember } from "./session";

/**
 * For server components: the signed-in member, or a redirect to /login (no session, or
 * the user was removed from the organization since signing in).
 */
export async function requireMember(): Promise<SessionMember> {
  const session = await currentMember();
  if (session.state === "signed-out") {
    // An expired or signed-out cookie: come back to this page after signing in again.
    const path = (await headers()).get(PATH_HEADER);
    redirect(path?.startsWith("/") ? `/login?${new URLSearchParams({ callbackUrl: path })}` : "/login");
  }
  if (session.state === "not-a-member") redirect("/login?error=Removed");
  return session.member;
}

/**
 * For a page's server component: the member if their role has `permission`; otherwise a
 * redirect to /not-allowed naming what was missing (never a silently empty page).
 */
export async function requirePermission(permission: Permission, from?: string): Promise<SessionMember> {
  const member = await requireMember();
  if (!can(member.role, permission)) {
    const params = new URLSearchParams({ permission, ...(from && { from }) });
    redirect(`/not-allowed?${params}`);
  }
  return member;
}
