import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db, Tx } from "../db";
import { lockTool } from "./review/lock-tool";

export interface SetToolStatusInput {
  orgId: string;
  actor: Actor;
  id: string;
  status: "active" | "disabled";
  /** Recorded in the audit row when not the console (`portcullis apply`). */
  source?: "apply";
}

/**
 * Disables a tool (gateways neither list nor call it) or makes it active again. A tool
 * whose current definition is not the approved one (quarantined, or disabled after its
 * definition changed) is not activated here: activating it would approve a definition the
 * admin may never have seen. It is approved on the review page instead
 * (approveToolDefinition, bound to the definition hash the admin was shown).
 * A tool its server no longer lists cannot be activated.
 */
export async function setToolStatus(
  db: Db,
  input: SetToolStatusInput,
): Promise<{ id: string; exposedName: string; changed: boolean }> {
  return db.$transaction((tx) => setToolStatusInTx(tx, input));
}

/** setToolStatus inside the caller's transaction (`portcullis apply` changes it with the rest of its file). */
export async function setToolStatusInTx(
  tx: Tx,
  input: SetToolStatusInput,
): Promise<{ id: string; exposedName: string; changed: boolean }> {
  // Locked: a catalog sync must not quarantine a new definition between the check and the update.
  const tool = await lockTool(tx, input.orgId, input.id);
  if (tool.status === "removed") {
    throw new AppError("INVALID_INPUT", `tool ${tool.exposedName} is no longer listed by its server`);
  }
  if (tool.status === input.status) return { id: tool.id, exposedName: tool.exposedName, changed: false };
  if (input.status === "active" && tool.approvedHash !== tool.definitionHash) {
    throw new AppError(
      "INVALID_INPUT",
      `tool ${tool.exposedName} cannot be enabled: its current definition has not been approved. ` +
        "Review the definition and approve it under Tool review (or with approvedDefinition in the config file)",
      { details: { toolId: tool.id, status: tool.status, review: `/review/${tool.id}` } },
    );
  }
  await tx.tool.update({ where: { id: tool.id }, data: { status: input.status } });
  await recordAdminChange(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: input.status === "disabled" ? "tool.disable" : "tool.enable",
    targetType: "tool",
    targetId: tool.id,
    details: {
      name: tool.exposedName,
      changes: { status: { from: tool.status, to: input.status } },
      ...(input.source && { source: input.source }),
    },
  });
  return { id: tool.id, exposedName: tool.exposedName, changed: true };
}
