import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { DEFINITION_CHANGED } from "../servers/sync-catalog";
import { findTool } from "./find-tool";

/**
 * Disables a tool (gateways neither list nor call it) or makes it active again. Making a
 * quarantined tool active approves its current definition: the admin has seen the change.
 * A tool its server no longer lists cannot be activated.
 */
export async function setToolStatus(
  db: Db,
  input: { orgId: string; actor: Actor; id: string; status: "active" | "disabled" },
): Promise<{ id: string; exposedName: string; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const tool = await findTool(tx, input.orgId, input.id);
    if (tool.status === "removed") {
      throw new AppError("INVALID_INPUT", `tool ${tool.exposedName} is no longer listed by its server`);
    }
    if (tool.status === input.status) return { id: tool.id, exposedName: tool.exposedName, changed: false };
    const approving = input.status === "active" && tool.approvedHash !== tool.definitionHash;
    await tx.tool.update({
      where: { id: tool.id },
      data: {
        status: input.status,
        ...(approving && {
          approvedHash: tool.definitionHash,
          flags: tool.flags.filter((f) => f !== DEFINITION_CHANGED),
        }),
      },
    });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: input.status === "disabled" ? "tool.disable" : "tool.enable",
      targetType: "tool",
      targetId: tool.id,
      details: {
        name: tool.exposedName,
        changes: { status: { from: tool.status, to: input.status } },
        ...(approving && { approvedDefinition: tool.definitionHash }),
      },
    });
    return { id: tool.id, exposedName: tool.exposedName, changed: true };
  });
}
