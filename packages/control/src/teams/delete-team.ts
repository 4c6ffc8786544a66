import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findTeam } from "./find-team";

/**
 * Deletes a team with its memberships and grants. A team that still owns agents cannot be
 * deleted (their keys and grants would go silently): move or delete them first.
 */
export async function deleteTeam(
  db: Db,
  input: { orgId: string; actor: Actor; id: string },
): Promise<{ id: string; name: string }> {
  return db.$transaction(async (tx) => {
    const team = await findTeam(tx, input.orgId, input.id);
    const agents = await tx.agent.count({ where: { teamId: team.id } });
    if (agents > 0) {
      throw new AppError(
        "CONFLICT",
        `team "${team.name}" still has ${agents} agent(s): move them to another team or delete them first`,
      );
    }
    await tx.team.delete({ where: { id: team.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "team.delete",
      targetType: "team",
      targetId: team.id,
      details: { name: team.name },
    });
    return { id: team.id, name: team.name };
  });
}
