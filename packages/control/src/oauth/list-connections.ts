import type { Db } from "../db";

export interface OAuthConnectionSummary {
  id: string;
  userId: string;
  personEmail: string;
  /** The AS grant: gateways record its last use in Redis (merged in by the API). */
  grantId: string;
  clientId: string;
  clientName: string;
  redirectUri: string;
  scopes: string[];
  resources: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** The MCP clients members of the organization connected (not revoked), newest first. */
export async function listOAuthConnections(
  db: Db,
  orgId: string,
  userId?: string,
): Promise<OAuthConnectionSummary[]> {
  const rows = await db.oAuthConnection.findMany({
    where: { orgId, revokedAt: null, ...(userId !== undefined && { userId }) },
    select: {
      id: true,
      userId: true,
      clientId: true,
      clientName: true,
      redirectUri: true,
      scopes: true,
      resources: true,
      createdAt: true,
      lastUsedAt: true,
      grantId: true,
    },
    orderBy: { createdAt: "desc" },
  });
  const users = await db.user.findMany({
    where: { id: { in: [...new Set(rows.map((r) => r.userId))] } },
    select: { id: true, email: true },
  });
  const emails = new Map(users.map((u) => [u.id, u.email]));
  return rows.map(({ grantId, ...r }) => ({ ...r, grantId, personEmail: emails.get(r.userId) ?? r.userId }));
}
