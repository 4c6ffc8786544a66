import type { Db } from "../db";
import { findAgent } from "./find-agent";

export interface ApiKeySummary {
  id: string;
  name: string | null;
  prefix: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** An agent's API keys, newest first, including revoked and expired ones (never the hash). */
export async function listApiKeys(
  db: Db,
  agentName: string,
  opts: { orgId?: string } = {},
): Promise<ApiKeySummary[]> {
  const agent = await findAgent(db, opts.orgId, agentName);
  return db.apiKey.findMany({
    where: { agentId: agent.id },
    select: {
      id: true,
      name: true,
      prefix: true,
      createdBy: true,
      createdAt: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}
