import { timingSafeEqual } from "node:crypto";

/** A person who can sign in at the development provider. */
export interface DevAccount {
  /** The OpenID `sub`: stable, never the email (emails change; subjects must not). */
  sub: string;
  email: string;
  name: string;
  password: string;
  /**
   * The `email_verified` claim; true when omitted. False makes a test account whose email
   * the provider does not vouch for: Portcullis must not let such an email link or join.
   */
  emailVerified?: boolean;
}

/** The one password of every demo account. It exists only in this development provider. */
export const DEMO_PASSWORD = "portcullis-demo";

/** The demo people the README lists; their roles are given by the console's demo seed. */
export const DEMO_ACCOUNTS: readonly DevAccount[] = [
  { sub: "demo-admin", email: "admin@example.com", name: "Ada Admin", password: DEMO_PASSWORD },
  { sub: "demo-approver", email: "approver@example.com", name: "Arlo Approver", password: DEMO_PASSWORD },
  { sub: "demo-auditor", email: "auditor@example.com", name: "Audra Auditor", password: DEMO_PASSWORD },
  { sub: "demo-member", email: "member@example.com", name: "Max Member", password: DEMO_PASSWORD },
];

/** Finds the account for a login form submission; undefined when the pair does not match. */
export function checkPassword(
  accounts: readonly DevAccount[],
  email: string,
  password: string,
): DevAccount | undefined {
  const account = accounts.find((a) => a.email === email.trim().toLowerCase());
  if (!account) return undefined;
  const given = Buffer.from(password);
  const expected = Buffer.from(account.password);
  return given.length === expected.length && timingSafeEqual(given, expected) ? account : undefined;
}
