import type { SnapshotPerson } from "@portcullis/contracts/snapshot";
import type { Tx } from "../db";

/**
 * The people gateways accept OAuth tokens for: every member of every organization (one entry
 * per membership), with the teams they belong to in that organization. A removed member is
 * absent, a suspended one is `suspended`: either way their tokens stop working when the
 * gateways load the version.
 */
export async function compilePeople(db: Tx, scope: { orgId?: string }): Promise<SnapshotPerson[]> {
  const memberships = await db.membership.findMany({
    where: scope.orgId === undefined ? {} : { orgId: scope.orgId },
    select: {
      orgId: true,
      userId: true,
      suspendedAt: true,
      user: {
        select: {
          email: true,
          name: true,
          teamMembers: { select: { team: { select: { id: true, orgId: true } } } },
        },
      },
    },
    orderBy: [{ orgId: "asc" }, { userId: "asc" }],
  });
  return memberships.map((m) => ({
    id: m.userId,
    orgId: m.orgId,
    email: m.user.email,
    name: m.user.name,
    teamIds: m.user.teamMembers
      .map((tm) => tm.team)
      .filter((t) => t.orgId === m.orgId)
      .map((t) => t.id)
      .sort(),
    status: m.suspendedAt === null ? "active" : "suspended",
  }));
}

/** Longest access-token lifetime the authorization server may issue: revocations older than it are moot. */
const MAX_ACCESS_TOKEN_TTL_MS = 24 * 3600 * 1000;

/** Grants of client connections revoked recently enough that one of their access tokens may still be live. */
export async function compileRevokedOAuthGrants(
  db: Tx,
  now: Date,
  scope: { orgId?: string },
): Promise<string[]> {
  const rows = await db.oAuthConnection.findMany({
    where: {
      ...(scope.orgId === undefined ? {} : { orgId: scope.orgId }),
      revokedAt: { gt: new Date(now.getTime() - MAX_ACCESS_TOKEN_TTL_MS) },
    },
    select: { grantId: true },
    orderBy: { grantId: "asc" },
  });
  return rows.map((r) => r.grantId);
}
