import { generateApiKey } from "@portcullis/auth/api-keys";
import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { type Actor, actorLabel } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findAgent } from "./find-agent";

export interface CreatedApiKey {
  id: string;
  /** The full key: returned this once and never stored (only its SHA-256 is). */
  key: string;
  prefix: string;
  expiresAt: Date | null;
}

/**
 * Issues an API key for an agent. Publish a snapshot afterwards: gateways only accept keys
 * they have seen in a snapshot.
 */
export async function createApiKey(
  db: Db,
  input: { orgId?: string; agentName: string; name?: string; expiresAt?: Date; actor: Actor },
): Promise<CreatedApiKey> {
  if (input.expiresAt !== undefined && input.expiresAt.getTime() <= Date.now()) {
    throw new AppError("INVALID_INPUT", `expiry ${input.expiresAt.toISOString()} is in the past`);
  }
  const generated = generateApiKey();
  return db.$transaction(async (tx) => {
    const agent = await findAgent(tx, input.orgId, input.agentName);
    const id = newId("apiKey");
    const row = await tx.apiKey.create({
      data: {
        id,
        orgId: agent.orgId,
        agentId: agent.id,
        name: input.name ?? null,
        prefix: generated.prefix,
        hash: generated.hash,
        createdBy: actorLabel(input.actor),
        expiresAt: input.expiresAt ?? null,
      },
    });
    await recordAdminChange(tx, {
      orgId: agent.orgId,
      actor: input.actor,
      action: "api_key.create",
      targetType: "api_key",
      targetId: id,
      details: {
        agent: agent.name,
        prefix: generated.prefix,
        name: input.name ?? null,
        expiresAt: row.expiresAt,
      },
    });
    return { id, key: generated.key, prefix: generated.prefix, expiresAt: row.expiresAt };
  });
}
