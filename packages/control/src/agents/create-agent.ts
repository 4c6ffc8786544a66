import { newId } from "@portcullis/contracts/ids";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { duplicateName, nameConflict } from "../servers/unique-name";
import { findTeam } from "../teams/find-team";

/** Creates an agent owned by a team (name rule and uniqueness as in the config file's `agents:`). */
export async function createAgent(
  db: Db,
  input: { orgId: string; actor: Actor; name: string; teamId: string; description?: string | null },
): Promise<{ id: string; name: string }> {
  const id = newId("agent");
  try {
    await db.$transaction(async (tx) => {
      const team = await findTeam(tx, input.orgId, input.teamId);
      if (await tx.agent.findFirst({ where: { orgId: input.orgId, name: input.name } })) {
        throw duplicateName("agent", input.name);
      }
      await tx.agent.create({
        data: {
          id,
          orgId: input.orgId,
          teamId: team.id,
          name: input.name,
          description: input.description ?? null,
        },
      });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "agent.create",
        targetType: "agent",
        targetId: id,
        details: { name: input.name, team: team.name },
      });
    });
  } catch (error) {
    throw nameConflict(error, "agent", input.name);
  }
  return { id, name: input.name };
}
