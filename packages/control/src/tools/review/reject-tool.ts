import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../../admin-audit/actor";
import { recordAdminChange } from "../../admin-audit/record-admin-change";
import type { Db } from "../../db";
import { lockTool } from "./lock-tool";

/**
 * Keeps a tool under review disabled: gateways neither list nor call it, and later syncs
 * do not bring it back (an admin's `disabled` stands). Its flags stay, so the queue still
 * says why; approving it later is still possible. Writes the admin audit row in the same
 * transaction; the caller publishes a snapshot afterwards.
 */
export async function rejectTool(
  db: Db,
  input: { orgId: string; toolId: string; actor: Actor },
): Promise<{ id: string; exposedName: string; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const tool = await lockTool(tx, input.orgId, input.toolId);
    if (tool.status === "removed") {
      throw new AppError("INVALID_INPUT", `tool ${tool.exposedName} is no longer listed by its server`);
    }
    if (tool.status === "disabled") return { id: tool.id, exposedName: tool.exposedName, changed: false };
    await tx.tool.update({ where: { id: tool.id }, data: { status: "disabled" } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "tool.reject_definition",
      targetType: "tool",
      targetId: tool.id,
      details: {
        name: tool.exposedName,
        definitionHash: tool.definitionHash,
        flags: tool.flags,
        changes: { status: { from: tool.status, to: "disabled" } },
      },
    });
    return { id: tool.id, exposedName: tool.exposedName, changed: true };
  });
}
