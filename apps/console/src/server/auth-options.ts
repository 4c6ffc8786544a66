import { randomUUID } from "node:crypto";
import { isAppError } from "@portcullis/contracts/errors";
import { provisionUser } from "@portcullis/control/identity/provision-user";
import { cookies } from "next/headers";
import type { NextAuthOptions } from "next-auth";
import { env } from "../env";
import { INVITATION_COOKIE, INVITATION_COOKIE_PATH, isInvitationToken } from "../lib/invitation-cookie";
import { safeRedirectUrl } from "../lib/safe-callback";
import { db } from "./db";
import { markSignedOut } from "./signed-out-sessions";

/** The id of the one SSO provider in next-auth: it names the callback URL `/api/auth/callback/oidc`. */
export const OIDC_PROVIDER_ID = "oidc";

interface OidcProfile {
  iss?: string;
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

let cached: NextAuthOptions | undefined;

/** The login page's `error` for a refused sign-in; it words each one (see login/page.tsx). */
function loginErrorCode(reason: unknown): string {
  switch (reason) {
    case "invitation-invalid":
      return "InvitationInvalid";
    case "invitation-unverified":
      return "InvitationUnverified";
    case "invitation-email":
      return "InvitationEmail";
    case "identity-taken":
      return "IdentityTaken";
    default:
      return "NotMember";
  }
}

/**
 * next-auth configuration: one OpenID Connect provider from env, sessions as encrypted
 * JWT cookies that carry only the user id (role and membership are read fresh from the
 * database on every request), and provisioning on sign-in.
 */
export function authOptions(): NextAuthOptions {
  if (cached) return cached;
  const e = env();
  const issuer = e.OIDC_ISSUER.replace(/\/$/, "");
  cached = {
    secret: e.NEXTAUTH_SECRET,
    providers: [
      {
        id: OIDC_PROVIDER_ID,
        name: e.OIDC_PROVIDER_NAME,
        type: "oauth",
        wellKnown: `${issuer}/.well-known/openid-configuration`,
        clientId: e.OIDC_CLIENT_ID,
        clientSecret: e.OIDC_CLIENT_SECRET,
        authorization: { params: { scope: "openid email profile" } },
        idToken: true,
        checks: ["pkce", "state"],
        profile(profile: OidcProfile) {
          return {
            id: profile.sub,
            email: profile.email ?? null,
            name: profile.name ?? profile.preferred_username ?? null,
          };
        },
      },
    ],
    session: { strategy: "jwt", maxAge: e.SESSION_MAX_AGE },
    jwt: { maxAge: e.SESSION_MAX_AGE },
    pages: { signIn: "/login", error: "/login", signOut: "/logout" },
    callbacks: {
      async signIn({ user, account, profile }) {
        if (!account || account.provider !== OIDC_PROVIDER_ID) return false;
        const claims = (profile ?? {}) as OidcProfile;
        const jar = await cookies();
        const invitationToken = jar.get(INVITATION_COOKIE)?.value;
        // One attempt per link: whatever happens next, the link must be opened again.
        jar.delete({ name: INVITATION_COOKIE, path: INVITATION_COOKIE_PATH });
        try {
          const member = await provisionUser(db(), {
            email: claims.email ?? user.email ?? "",
            name: claims.name ?? user.name,
            emailVerified: claims.email_verified === true,
            provider: account.provider,
            // The ID token's issuer, which openid-client checked against discovery.
            issuer: claims.iss?.replace(/\/$/, "") ?? issuer,
            providerAccountId: account.providerAccountId,
            ...(isInvitationToken(invitationToken) && { invitationToken }),
          });
          // The jwt callback receives this same object: hand it our user id, not the provider's subject.
          user.id = member.userId;
          return true;
        } catch (error) {
          if (isAppError(error) && (error.code === "FORBIDDEN" || error.code === "INVALID_INPUT")) {
            const params = new URLSearchParams({
              error: loginErrorCode(error.details?.reason),
              email: claims.email ?? "",
            });
            return `/login?${params}`;
          }
          throw error;
        }
      },
      // After sign-in and sign-out: only paths on this console.
      async redirect({ url, baseUrl }) {
        return safeRedirectUrl(url, baseUrl);
      },
      async jwt({ token, user }) {
        if (user) {
          token.userId = user.id;
          token.signedInAt = Math.floor(Date.now() / 1000);
          // next-auth renews the JWT (and its jti) as it slides; this id names the sign-in itself.
          token.sessionId = randomUUID();
        }
        return token;
      },
      async session({ session, token }) {
        session.userId = typeof token.userId === "string" ? token.userId : undefined;
        session.signedInAt = typeof token.signedInAt === "number" ? token.signedInAt : undefined;
        session.sessionId = typeof token.sessionId === "string" ? token.sessionId : undefined;
        return session;
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sessionId === "string") await markSignedOut(token.sessionId);
      },
    },
  };
  return cached;
}
