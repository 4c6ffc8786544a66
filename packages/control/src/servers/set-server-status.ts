import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findServer } from "./find-server";

/**
 * Enables or disables a server. A disabled server stays configured but gateways deny
 * calls to its tools (and list none of them). No-op when already in that status.
 */
export async function setServerStatus(
  db: Db,
  input: { orgId: string; actor: Actor; id: string; status: "active" | "disabled" },
): Promise<{ id: string; name: string; changed: boolean }> {
  return db.$transaction(async (tx) => {
    const row = await findServer(tx, input.orgId, input.id);
    if (row.status === input.status) return { id: row.id, name: row.name, changed: false };
    await tx.server.update({ where: { id: row.id }, data: { status: input.status } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: input.status === "disabled" ? "server.disable" : "server.enable",
      targetType: "server",
      targetId: row.id,
      details: { name: row.name, changes: { status: { from: row.status, to: input.status } } },
    });
    return { id: row.id, name: row.name, changed: true };
  });
}
