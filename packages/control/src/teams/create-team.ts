import { newId } from "@portcullis/contracts/ids";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { duplicateName, nameConflict } from "../servers/unique-name";

/** Creates a team (name rule and uniqueness as in the config file's `teams:`). */
export async function createTeam(
  db: Db,
  input: { orgId: string; actor: Actor; name: string; description?: string | null },
): Promise<{ id: string; name: string }> {
  const id = newId("team");
  try {
    await db.$transaction(async (tx) => {
      if (await tx.team.findFirst({ where: { orgId: input.orgId, name: input.name } })) {
        throw duplicateName("team", input.name);
      }
      await tx.team.create({
        data: { id, orgId: input.orgId, name: input.name, description: input.description ?? null },
      });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "team.create",
        targetType: "team",
        targetId: id,
        details: { name: input.name },
      });
    });
  } catch (error) {
    throw nameConflict(error, "team", input.name);
  }
  return { id, name: input.name };
}
