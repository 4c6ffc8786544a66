import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findOrgAgent } from "./find-org-agent";

/** Deletes an agent with its API keys and grants (cascade); its keys stop working with the next snapshot. */
export async function deleteAgent(
  db: Db,
  input: { orgId: string; actor: Actor; id: string },
): Promise<{ id: string; name: string }> {
  return db.$transaction(async (tx) => {
    const agent = await findOrgAgent(tx, input.orgId, input.id);
    const keys = await tx.apiKey.count({ where: { agentId: agent.id } });
    await tx.agent.delete({ where: { id: agent.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "agent.delete",
      targetType: "agent",
      targetId: agent.id,
      details: { name: agent.name, keysDeleted: keys },
    });
    return { id: agent.id, name: agent.name };
  });
}
