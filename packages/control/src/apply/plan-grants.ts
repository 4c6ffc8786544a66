import { newId } from "@portcullis/contracts/ids";
import { canonicalJson } from "../canonical-json";
import { fieldChanges } from "../change-plan/field-changes";
import { jsonOrDbNull } from "../change-plan/json-column";
import type { DesiredGrant } from "./desired-state";
import type { InstalledGrant } from "./load-installation";
import type { Operation } from "./plan";

const COMPARED = ["effect", "approvalTimeoutSec", "reason", "condition"] as const;

/**
 * Grant deletes (run first, before their subjects go) and creates/updates (run last, once
 * teams, agents and servers exist). A grant's identity is who + server + tool pattern;
 * console-made duplicates of one identity collapse to one row.
 */
export function planGrants(
  current: InstalledGrant[],
  desired: DesiredGrant[],
): { deletes: Operation[]; upserts: Operation[] } {
  const kept = new Map<string, InstalledGrant>();
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
        await tx.grant.delete({ where: { id: row.id } });
        return row.id;
      },
    });
  }

  const upserts: Operation[] = [];
  for (const want of desired) {
    const row = kept.get(want.key);
    // Conditions compare as canonical JSON: the key order of the file (or of what the
    // console stored) never shows up as a change.
    const values = want;
    if (!row) {
      upserts.push({
        change: { action: "create", kind: "grant", name: want.key },
        details: { effect: want.effect, ...(want.condition !== null && { condition: want.condition }) },
        run: async (tx, ctx) => {
          const id = newId("grant");
          await tx.grant.create({
            data: {
              id,
              orgId: ctx.orgId,
              teamId: want.subject.kind === "team" ? ctx.teamIds.get(want.subject.name)! : null,
              agentId: want.subject.kind === "agent" ? ctx.agentIds.get(want.subject.name)! : null,
              userId: want.subject.kind === "user" ? ctx.userIds.get(want.subject.name)! : null,
              serverId: ctx.serverIds.get(want.server)!,
              toolPattern: want.toolPattern,
              effect: want.effect,
              approvalTimeoutSec: want.approvalTimeoutSec,
              reason: want.reason,
              condition: jsonOrDbNull(want.condition),
              createdBy: ctx.createdBy,
            },
          });
          return id;
        },
      });
      continue;
    }
    const fields = COMPARED.filter((f) => canonicalJson(row[f] ?? null) !== canonicalJson(values[f]));
    if (fields.length === 0) continue;
    upserts.push({
      change: { action: "update", kind: "grant", name: want.key, fields: [...fields] },
      details: { changes: fieldChanges(row, values, [...fields]) },
      run: async (tx) => {
        await tx.grant.update({
          where: { id: row.id },
          data: {
            effect: want.effect,
            approvalTimeoutSec: want.approvalTimeoutSec,
            reason: want.reason,
            condition: jsonOrDbNull(want.condition),
          },
        });
        return row.id;
      },
    });
  }
  return { deletes, upserts };
}
