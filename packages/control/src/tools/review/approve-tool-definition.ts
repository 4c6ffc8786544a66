import { AppError } from "@portcullis/contracts/errors";
import type { Prisma } from "@portcullis/db/client";
import type { Actor } from "../../admin-audit/actor";
import { recordAdminChange } from "../../admin-audit/record-admin-change";
import type { Db, Tx } from "../../db";
import { storedToolDefinition } from "../../servers/tool-definition";
import { lockTool } from "./lock-tool";

/**
 * Approves the definition an admin reviewed: exactly `definitionHash`, the one the diff
 * showed. If the upstream changed the tool again since (a new sync stored another
 * definition), nothing is approved and CONFLICT asks for a fresh review — approving by
 * tool id alone would let a rug pull slip in between "look" and "click".
 *
 * The tool becomes active with that definition pinned (`approvedHash`,
 * `approvedDefinition`) and its flags cleared (review flags and name collisions the admin
 * has now seen). Writes the admin audit row in the same transaction; the caller publishes
 * a snapshot afterwards so gateways show the tool again.
 */
export async function approveToolDefinition(
  db: Db,
  input: ApproveDefinitionInput,
): Promise<{ id: string; exposedName: string; changed: boolean }> {
  return db.$transaction((tx) => approveToolDefinitionInTx(tx, input));
}

export interface ApproveDefinitionInput {
  orgId: string;
  toolId: string;
  definitionHash: string;
  actor: Actor;
  /** Recorded in the audit row when not the console (`portcullis apply`). */
  source?: "apply";
}

/** approveToolDefinition inside the caller's transaction (`portcullis apply` approves with the rest of its file). */
export async function approveToolDefinitionInTx(
  tx: Tx,
  input: ApproveDefinitionInput,
): Promise<{ id: string; exposedName: string; changed: boolean }> {
  const tool = await lockTool(tx, input.orgId, input.toolId);
  if (tool.status === "removed") {
    throw new AppError("INVALID_INPUT", `tool ${tool.exposedName} is no longer listed by its server`);
  }
  if (tool.definitionHash !== input.definitionHash) {
    throw new AppError(
      "CONFLICT",
      `the definition of ${tool.exposedName} changed since you reviewed it: review the new definition`,
      { details: { reviewedHash: input.definitionHash, currentHash: tool.definitionHash } },
    );
  }
  const settled =
    tool.status === "active" &&
    tool.approvedHash === tool.definitionHash &&
    tool.approvedDefinition !== null &&
    tool.flags.length === 0;
  if (settled) return { id: tool.id, exposedName: tool.exposedName, changed: false };

  await tx.tool.update({
    where: { id: tool.id },
    data: {
      status: "active",
      approvedHash: tool.definitionHash,
      approvedDefinition: storedToolDefinition(tool) as unknown as Prisma.InputJsonValue,
      flags: [],
    },
  });
  await recordAdminChange(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: "tool.approve_definition",
    targetType: "tool",
    targetId: tool.id,
    details: {
      name: tool.exposedName,
      definitionHash: tool.definitionHash,
      previousApprovedHash: tool.approvedHash,
      clearedFlags: tool.flags,
      changes: { status: { from: tool.status, to: "active" } },
      ...(input.source && { source: input.source }),
    },
  });
  return { id: tool.id, exposedName: tool.exposedName, changed: true };
}
