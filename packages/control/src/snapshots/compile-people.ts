import type { SnapshotPerson } from "@portcullis/contracts/snapshot";
import type { Tx } from "../db";

/**
 * The people of the organizations compiled (optionally one person): each member with the
 * teams of that organization they belong to, whose grants apply to them too. Gateways
 * accept OAuth tokens for them: a removed member is absent, a suspended one is
 * `suspended`, and either way their tokens stop working when the version loads. Two
 * queries, joined in memory: no per-person lookups at 10,000 people.
 */
export async function compilePeople(
  db: Tx,
  scope: { orgId?: string; userId?: string },
): Promise<SnapshotPerson[]> {
  const memberships = await db.membership.findMany({
    where: {
      ...(scope.orgId !== undefined && { orgId: scope.orgId }),
      ...(scope.userId !== undefined && { userId: scope.userId }),
    },
    select: { orgId: true, suspendedAt: true, user: { select: { id: true, email: true, name: true } } },
    orderBy: [{ orgId: "asc" }, { userId: "asc" }],
  });
  const teamRows = await db.teamMember.findMany({
    where: {
      ...(scope.userId !== undefined && { userId: scope.userId }),
      ...(scope.orgId !== undefined && { team: { orgId: scope.orgId } }),
    },
    select: { userId: true, teamId: true, team: { select: { orgId: true } } },
    orderBy: { teamId: "asc" },
  });
  const teamsOf = new Map<string, string[]>();
  for (const row of teamRows) {
    const key = `${row.team.orgId}\0${row.userId}`;
    teamsOf.set(key, [...(teamsOf.get(key) ?? []), row.teamId]);
  }
  return memberships.map((m) => ({
    id: m.user.id,
    orgId: m.orgId,
    email: m.user.email,
    name: m.user.name,
    teamIds: teamsOf.get(`${m.orgId}\0${m.user.id}`) ?? [],
    status: m.suspendedAt === null ? ("active" as const) : ("suspended" as const),
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
