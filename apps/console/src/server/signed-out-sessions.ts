import { env } from "../env";
import { apiDeps } from "./api-deps";

// Session cookies are self-contained JWTs: signing out deletes the cookie, but a copy of it
// would stay valid until it expires. Remember signed-out session ids until then, so a
// replayed cookie is refused too.

function key(sessionId: string): string {
  return `${apiDeps().names.prefix}:console:signed-out:${sessionId}`;
}

export async function markSignedOut(sessionId: string): Promise<void> {
  // A session lives at most SESSION_MAX_AGE after sign-in: the mark need not outlive that.
  await apiDeps().redis.set(key(sessionId), "1", "EX", env().SESSION_MAX_AGE);
}

/** Fails open (with a warning) while Redis is unreachable: the cookie's own expiry still applies. */
export async function isSignedOut(sessionId: string): Promise<boolean> {
  try {
    return (await apiDeps().redis.exists(key(sessionId))) === 1;
  } catch (error) {
    console.warn(
      `could not check whether session ${sessionId.slice(0, 8)}… was signed out: ${String(error)}`,
    );
    return false;
  }
}
