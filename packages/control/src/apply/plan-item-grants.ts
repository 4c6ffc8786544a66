import { newId } from "@portcullis/contracts/ids";
import { fieldChanges } from "../change-plan/field-changes";
import type { DesiredItemGrant } from "./desired-state";
import type { InstalledItemGrant } from "./load-installation";
import type { Operation } from "./plan";

const COMPARED = ["effect", "reason"] as const;

/**
 * Resource and prompt grant deletes (run with the tool grant deletes) and creates/updates
 * (run once subjects and servers exist). Identity: who + server + kind + pattern; console
 * duplicates of one identity collapse to one row. Plan lines are of kind `grant`, named
 * `team:platform/docs/resource:docs://*`, so the admin log reads them as grants.
 */
export function planItemGrants(
  current: InstalledItemGrant[],
  desired: DesiredItemGrant[],
): { deletes: Operation[]; upserts: Operation[] } {
  const kept = new Map<string, InstalledItemGrant>();
  const deletes: Operation[] = [];
  const wanted = new Set(desired.map((g) => g.key));
  for (const row of current) {
    if (wanted.has(row.key) && !kept.has(row.key)) {
      kept.set(row.key, row);
      continue;
    }
    deletes.push({
      change: { action: "delete", kind: "grant", name: row.key },
      details: { effect: row.effect },
      run: async (tx) => {
        await tx.itemGrant.delete({ where: { id: row.id } });
        return row.id;
      },
    });
  }

  const upserts: Operation[] = [];
  for (const want of desired) {
    const row = kept.get(want.key);
    if (!row) {
      upserts.push({
        change: { action: "create", kind: "grant", name: want.key },
        details: { effect: want.effect },
        run: async (tx, ctx) => {
          const id = newId("grant");
          await tx.itemGrant.create({
            data: {
              id,
              orgId: ctx.orgId,
              teamId: want.subject.kind === "team" ? ctx.teamIds.get(want.subject.name)! : null,
              agentId: want.subject.kind === "agent" ? ctx.agentIds.get(want.subject.name)! : null,
              userId: want.subject.kind === "user" ? ctx.userIds.get(want.subject.name)! : null,
              serverId: ctx.serverIds.get(want.server)!,
              kind: want.kind,
              pattern: want.pattern,
              effect: want.effect,
              reason: want.reason,
              createdBy: ctx.createdBy,
            },
          });
          return id;
        },
      });
      continue;
    }
    const fields = COMPARED.filter((f) => (row[f] ?? null) !== want[f]);
    if (fields.length === 0) continue;
    upserts.push({
      change: { action: "update", kind: "grant", name: want.key, fields: [...fields] },
      details: { changes: fieldChanges(row, want, [...fields]) },
      run: async (tx) => {
        await tx.itemGrant.update({
          where: { id: row.id },
          data: { effect: want.effect, reason: want.reason },
        });
        return row.id;
      },
    });
  }
  return { deletes, upserts };
}
