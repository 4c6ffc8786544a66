import { createHash } from "node:crypto";
import { randomToken } from "@portcullis/contracts/ids";

/** A fresh invitation token (shown once, in the accept URL) and the hash we store. */
export function newInvitationToken(): { token: string; tokenHash: string } {
  const token = `inv_${randomToken(32)}`;
  return { token, tokenHash: hashInvitationToken(token) };
}

export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The link an admin hands to the invitee: the console's login page, which names the invitation. */
export function invitationAcceptUrl(consoleUrl: string, token: string): string {
  const url = new URL("/login", consoleUrl);
  url.searchParams.set("invite", token);
  return url.toString();
}
