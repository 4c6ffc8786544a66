import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findServer } from "./find-server";

/** Deletes a server with its tools and the grants that name it (cascade), audited as one change. */
export async function deleteServer(
  db: Db,
  input: { orgId: string; actor: Actor; id: string },
): Promise<{ id: string; name: string }> {
  return db.$transaction(async (tx) => {
    const row = await findServer(tx, input.orgId, input.id);
    const tools = await tx.tool.count({ where: { serverId: row.id } });
    const grants = await tx.grant.count({ where: { serverId: row.id } });
    await tx.server.delete({ where: { id: row.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "server.delete",
      targetType: "server",
      targetId: row.id,
      details: { name: row.name, toolsDeleted: tools, grantsDeleted: grants },
    });
    return { id: row.id, name: row.name };
  });
}
