import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { fieldChanges } from "../change-plan/field-changes";
import type { Db } from "../db";
import { duplicateName, nameConflict } from "../servers/unique-name";
import { findTeam } from "./find-team";

/** Renames a team or changes its description. */
export async function updateTeam(
  db: Db,
  input: { orgId: string; actor: Actor; id: string; name?: string; description?: string | null },
): Promise<{ id: string; name: string; changed: string[] }> {
  try {
    return await db.$transaction(async (tx) => {
      const team = await findTeam(tx, input.orgId, input.id);
      const next = {
        name: input.name ?? team.name,
        description: input.description === undefined ? team.description : input.description,
      };
      const changed = (["name", "description"] as const).filter((f) => team[f] !== next[f]);
      if (changed.length === 0) return { id: team.id, name: team.name, changed: [] };
      if (
        next.name !== team.name &&
        (await tx.team.findFirst({ where: { orgId: input.orgId, name: next.name } }))
      ) {
        throw duplicateName("team", next.name);
      }
      await tx.team.update({ where: { id: team.id }, data: next });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "team.update",
        targetType: "team",
        targetId: team.id,
        details: { name: next.name, fields: changed, changes: fieldChanges(team, next, changed) },
      });
      return { id: team.id, name: next.name, changed };
    });
  } catch (error) {
    throw nameConflict(error, "team", input.name ?? "");
  }
}
