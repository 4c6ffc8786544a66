import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";

/**
 * Revokes one of a person's MCP client connections: the row is marked revoked (the next
 * snapshot lists its grant, so every gateway refuses its access tokens) and the caller ends
 * the grant's refresh tokens at the authorization server with the returned `grantId`.
 */
export async function revokeOAuthConnection(
  db: Db,
  input: { orgId: string; actor: Actor; connectionId: string },
): Promise<{ connectionId: string; grantId: string }> {
  return db.$transaction(async (tx) => {
    const row = await tx.oAuthConnection.findFirst({
      where: { id: input.connectionId, orgId: input.orgId, revokedAt: null },
    });
    if (!row) throw new AppError("NOT_FOUND", `no connected client '${input.connectionId}'`);
    await tx.oAuthConnection.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "oauth_connection.revoke",
      targetType: "user",
      targetId: row.userId,
      details: { client: row.clientName, clientId: row.clientId },
    });
    return { connectionId: row.id, grantId: row.grantId };
  });
}

/**
 * Revokes every client connection a person has in the organization (they were removed): a
 * person invited back later starts with no connected clients. Returns the grants to end.
 */
export async function revokePersonConnections(db: Db, orgId: string, userId: string): Promise<string[]> {
  const rows = await db.oAuthConnection.findMany({
    where: { orgId, userId, revokedAt: null },
    select: { grantId: true },
  });
  await db.oAuthConnection.updateMany({
    where: { orgId, userId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return rows.map((r) => r.grantId);
}
