import { randomUUID } from "node:crypto";
import { isAppError } from "@portcullis/contracts/errors";
import { provisionUser } from "@portcullis/control/identity/provision-user";
import type { NextAuthOptions } from "next-auth";
import { env } from "../env";
import { db } from "./db";
import { markSignedOut } from "./signed-out-sessions";

/** The id of the one SSO provider in next-auth: it names the callback URL `/api/auth/callback/oidc`. */
export const OIDC_PROVIDER_ID = "oidc";

interface OidcProfile {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
}

let cached: NextAuthOptions | undefined;

/**
 * next-auth configuration: one OpenID Connect provider from env, sessions as encrypted
 * JWT cookies that carry only the user id (role and membership are read fresh from the
 * database on every request), and provisioning on sign-in.
 */
export function authOptions(): NextAuthOptions {
  if (cached) return cached;
  const e = env();
  cached = {
    secret: e.NEXTAUTH_SECRET,
    providers: [
      {
        id: OIDC_PROVIDER_ID,
        name: e.OIDC_PROVIDER_NAME,
        type: "oauth",
        wellKnown: `${e.OIDC_ISSUER.replace(/\/$/, "")}/.well-known/openid-configuration`,
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
        try {
          const member = await provisionUser(db(), {
            email: claims.email ?? user.email ?? "",
            name: claims.name ?? user.name,
            emailVerified: claims.email_verified === true,
            provider: account.provider,
            providerAccountId: account.providerAccountId,
          });
          // The jwt callback receives this same object: hand it our user id, not the provider's subject.
          user.id = member.userId;
          return true;
        } catch (error) {
          if (isAppError(error) && (error.code === "FORBIDDEN" || error.code === "INVALID_INPUT")) {
            const params = new URLSearchParams({ error: "NotMember", email: claims.email ?? "" });
            return `/login?${params}`;
          }
          throw error;
        }
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
