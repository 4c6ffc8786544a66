import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findOrgAgent } from "./find-org-agent";

/** Disables an agent (gateways refuse all its keys) or enables it again. */
export async function setAgentStatus(
  db: Db,
  input: { orgId: string; actor: Actor; id: string; status: "active" | "disabled" },
): Promise<{ id: string; name: string; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const agent = await findOrgAgent(tx, input.orgId, input.id);
    if (agent.status === input.status) return { id: agent.id, name: agent.name, changed: false };
    await tx.agent.update({ where: { id: agent.id }, data: { status: input.status } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: input.status === "disabled" ? "agent.disable" : "agent.enable",
      targetType: "agent",
      targetId: agent.id,
      details: { name: agent.name, changes: { status: { from: agent.status, to: input.status } } },
    });
    return { id: agent.id, name: agent.name, changed: true };
  });
}
