import { newId } from "@portcullis/contracts/ids";
import type { Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";
import type { Actor } from "./actor";
import { chainAdminRow } from "./admin-chain";

export interface AdminChange {
  orgId: string;
  actor: Actor;
  /** Dotted `<kind>.<verb>`: `server.create`, `api_key.revoke`, `server.catalog_sync`… */
  action: string;
  targetType: string;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Writes one AdminAuditLog row. Always call it with the transaction that makes the change,
 * so the log can never claim a change that rolled back (nor miss one that committed).
 * The row joins its organization's hash chain (admin-chain.ts).
 */
export async function recordAdminChange(tx: Tx, change: AdminChange): Promise<void> {
  const id = newId("adminAudit");
  await tx.adminAuditLog.create({
    data: {
      id,
      orgId: change.orgId,
      actorType: change.actor.type,
      actorId: change.actor.id ?? null,
      actorName: change.actor.name ?? null,
      action: change.action,
      targetType: change.targetType,
      targetId: change.targetId ?? null,
      details: (change.details ?? undefined) as Prisma.InputJsonValue | undefined,
    },
  });
  await chainAdminRow(tx, change.orgId, id);
}
