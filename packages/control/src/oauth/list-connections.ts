import type { Db } from "../db";

export interface OAuthConnectionSummary {
  id: string;
  userId: string;
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
  return db.oAuthConnection.findMany({
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
    },
    orderBy: { createdAt: "desc" },
  });
}
