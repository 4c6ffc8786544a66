import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    /** Portcullis user id (usr_…); undefined for a session from before provisioning. */
    userId?: string;
    /** Seconds since epoch of the sign-in; sessions end SESSION_MAX_AGE after it. */
    signedInAt?: number;
    /** Names this sign-in; signing out marks it so a copied cookie is refused. */
    sessionId?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    userId?: string;
    signedInAt?: number;
    sessionId?: string;
  }
}
