import { type ToolExposure, toolExposure } from "@portcullis/contracts/exposure";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findOrgAgent } from "./find-org-agent";

/**
 * Sets how an agent's granted tools reach its context (full, search or code); null inherits
 * (its portal's setting, else full). The same column the apply file's `exposure` writes.
 */
export async function setAgentExposure(
  db: Db,
  input: { orgId: string; actor: Actor; id: string; exposure: ToolExposure | null },
): Promise<{ id: string; name: string; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const agent = await findOrgAgent(tx, input.orgId, input.id);
    const row = await tx.agent.findUniqueOrThrow({ where: { id: agent.id }, select: { exposure: true } });
    const current = row.exposure === null ? null : toolExposure.parse(row.exposure);
    if (current === input.exposure) return { id: agent.id, name: agent.name, changed: false };
    await tx.agent.update({ where: { id: agent.id }, data: { exposure: input.exposure } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "agent.set_exposure",
      targetType: "agent",
      targetId: agent.id,
      details: { name: agent.name, changes: { exposure: { from: current, to: input.exposure } } },
    });
    return { id: agent.id, name: agent.name, changed: true };
  });
}
