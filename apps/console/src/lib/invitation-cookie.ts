/**
 * The invitation link (`/login?invite=…`) leaves its token in this cookie so that the
 * sign-in callback, after the round trip to the identity provider, knows which invitation
 * the person accepted: an invitation is claimed only by someone who opened its link.
 * HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET), scoped to the
 * auth routes and short-lived; the callback clears it.
 */
export const INVITATION_COOKIE = "portcullis.invitation";
export const INVITATION_COOKIE_PATH = "/api/auth";
export const INVITATION_COOKIE_MAX_AGE = 30 * 60;

/** Tokens look like `inv_<base64url>`; anything else is not worth carrying. */
export function isInvitationToken(value: string | null | undefined): value is string {
  return typeof value === "string" && /^inv_[A-Za-z0-9_-]{16,128}$/.test(value);
}
