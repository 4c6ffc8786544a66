import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../../admin-audit/actor";
import { type Db, LONG_TRANSACTION } from "../../db";
import { setGrantIn } from "../set-grant";
import { type BulkGrantChange, planBulkGrants } from "./plan-bulk-grants";

/**
 * Saves a bulk change exactly as previewed: the plan is computed again inside the
 * transaction and must have the fingerprint the admin saw (CONFLICT otherwise: grants or
 * tools changed in between; preview again). Every grant written is audited like a single
 * `grants.set` (`grant.create` / `grant.update`), all or nothing.
 */
export async function applyBulkGrants(
  db: Db,
  input: { orgId: string; actor: Actor; change: BulkGrantChange; fingerprint: string },
): Promise<{ created: number; updated: number; unchanged: number }> {
  return db.$transaction(async (tx) => {
    const plan = await planBulkGrants(tx, { orgId: input.orgId, change: input.change });
    if (plan.fingerprint !== input.fingerprint) {
      throw new AppError(
        "CONFLICT",
        "the grants or tools changed since this preview: preview the change again before saving",
      );
    }
    const result = { created: 0, updated: 0, unchanged: 0 };
    for (const grant of plan.grants) {
      if (grant.action === "none") {
        result.unchanged++;
        continue;
      }
      await setGrantIn(tx, {
        orgId: input.orgId,
        actor: input.actor,
        grant: {
          subject: input.change.principal,
          serverId: grant.serverId,
          toolPattern: grant.toolPattern,
          effect: input.change.effect,
          reason: input.change.reason ?? null,
        },
      });
      result[grant.action === "create" ? "created" : "updated"]++;
    }
    return result;
  }, LONG_TRANSACTION);
}
