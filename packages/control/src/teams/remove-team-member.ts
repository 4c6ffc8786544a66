import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findTeam } from "./find-team";

/** Removes a user from a team (not from the organization). */
export async function removeTeamMember(
  db: Db,
  input: { orgId: string; actor: Actor; teamId: string; userId: string },
): Promise<{ teamId: string; userId: string }> {
  return db.$transaction(async (tx) => {
    const team = await findTeam(tx, input.orgId, input.teamId);
    const member = await tx.teamMember.findUnique({
      where: { teamId_userId: { teamId: team.id, userId: input.userId } },
    });
    if (!member) throw new AppError("NOT_FOUND", `user ${input.userId} is not in team "${team.name}"`);
    const user = await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: { email: true } });
    await tx.teamMember.delete({ where: { id: member.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "team_member.remove",
      targetType: "team",
      targetId: team.id,
      details: { team: team.name, email: user.email },
    });
    return { teamId: team.id, userId: input.userId };
  });
}
