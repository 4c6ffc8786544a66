import { loadMember, type SessionMember } from "@portcullis/control/identity/load-member";
import { getServerSession } from "next-auth";
import { env } from "../env";
import { authOptions } from "./auth-options";
import { db } from "./db";
import { isSignedOut } from "./signed-out-sessions";

/**
 * The signed-in user id, or null. next-auth slides a JWT's expiry on use; a sign-in must
 * also end SESSION_MAX_AGE after it happened, however busy the user is, and a session that
 * signed out must stay out even if its cookie was copied: both are checked here.
 */
export async function currentUserId(): Promise<string | null> {
  const session = await getServerSession(authOptions());
  if (!session?.userId || session.signedInAt === undefined || session.sessionId === undefined) return null;
  if (session.signedInAt + env().SESSION_MAX_AGE < Date.now() / 1000) return null;
  if (await isSignedOut(session.sessionId)) return null;
  return session.userId;
}

export type ConsoleSession =
  | { state: "signed-out" }
  | { state: "not-a-member"; userId: string }
  | { state: "member"; member: SessionMember };

/** The session and the current membership, read fresh from the database. */
export async function currentMember(): Promise<ConsoleSession> {
  const userId = await currentUserId();
  if (!userId) return { state: "signed-out" };
  const member = await loadMember(db(), userId);
  return member ? { state: "member", member } : { state: "not-a-member", userId };
}
