import { hashApiKey, looksLikeApiKey } from "@portcullis/auth/api-keys";
import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";

export interface RevokedApiKey {
  id: string;
  prefix: string;
  agentName: string;
  revokedAt: Date;
  /** True when the key was already revoked: nothing changed (revoking is idempotent). */
  alreadyRevoked: boolean;
}

/**
 * Revokes an API key named by its id (`key_…`), its display prefix (`pcs_3kF9aB2x`) or the
 * full key. Revoking a revoked key is a no-op that reports `alreadyRevoked` (so scripts can
 * retry safely) and writes no audit row. Publish a snapshot afterwards: the key stays
 * valid at the gateways until they receive one without it.
 */
export async function revokeApiKey(
  db: Db,
  input: { keyIdOrPrefix: string; actor: Actor; orgId?: string },
): Promise<RevokedApiKey> {
  const ref = input.keyIdOrPrefix.trim();
  const where = looksLikeApiKey(ref)
    ? { hash: hashApiKey(ref) }
    : ref.startsWith("key_")
      ? { id: ref }
      : { prefix: ref };
  return db.$transaction(async (tx) => {
    const keys = await tx.apiKey.findMany({
      where: { ...where, ...(input.orgId !== undefined && { orgId: input.orgId }) },
      include: { agent: { select: { name: true } } },
      take: 2,
    });
    const key = keys[0];
    if (!key)
      throw new AppError("NOT_FOUND", `no API key matches "${ref}" (give its id, prefix or the key itself)`);
    if (keys.length > 1) {
      throw new AppError("CONFLICT", `several API keys have the prefix "${ref}": revoke by key id instead`);
    }
    if (key.revokedAt !== null) {
      return {
        id: key.id,
        prefix: key.prefix,
        agentName: key.agent.name,
        revokedAt: key.revokedAt,
        alreadyRevoked: true,
      };
    }
    const revokedAt = new Date();
    await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt } });
    await recordAdminChange(tx, {
      orgId: key.orgId,
      actor: input.actor,
      action: "api_key.revoke",
      targetType: "api_key",
      targetId: key.id,
      details: { agent: key.agent.name, prefix: key.prefix },
    });
    return { id: key.id, prefix: key.prefix, agentName: key.agent.name, revokedAt, alreadyRevoked: false };
  });
}
