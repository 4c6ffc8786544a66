import type { Role } from "@portcullis/auth/permissions";

export const OWNER_EMAIL = "owner@example.com";

/** The demo accounts of the dev OpenID provider, with the roles the e2e organization gives them. */
export const E2E_USERS: Array<{ email: string; name: string; role: Role }> = [
  { email: "admin@example.com", name: "Ada Admin", role: "admin" },
  { email: "approver@example.com", name: "Arlo Approver", role: "approver" },
  { email: "auditor@example.com", name: "Audra Auditor", role: "auditor" },
  { email: "member@example.com", name: "Max Member", role: "member" },
  // Installation-wide settings (the MCP sign-in page) are the owner's alone.
  { email: OWNER_EMAIL, name: "Olive Owner", role: "owner" },
];

export const DEMO_PASSWORD = "portcullis-demo";

/**
 * The admin of a second organization that the scale tests fill with a large installation,
 * so that the other tests' organization keeps its small one.
 */
export const SCALE_ADMIN = { email: "scale-admin@example.com", name: "Sam Scale", orgSlug: "e2e-scale" };

/** A person the dev provider knows but the console does not, until an admin invites them. */
export const INVITEE = { email: "invitee@example.com", name: "Ivy Invitee" };

/**
 * A person the dev provider knows but does not vouch for (`email_verified: false`): the
 * console must not let that email claim an invitation or open anyone.
 */
export const UNVERIFIED = { email: "unverified@example.com", name: "Uma Unverified" };
