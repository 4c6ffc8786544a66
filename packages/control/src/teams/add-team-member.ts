import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { findTeam } from "./find-team";

/**
 * Adds a member of the organization (by email) to a team. People outside the organization
 * must be invited first. Adding someone already in the team changes nothing.
 */
export async function addTeamMember(
  db: Db,
  input: { orgId: string; actor: Actor; teamId: string; email: string },
): Promise<{ teamId: string; userId: string; added: boolean }> {
  const email = input.email.trim().toLowerCase();
  return db.$transaction(async (tx) => {
    const team = await findTeam(tx, input.orgId, input.teamId);
    const user = await tx.user.findFirst({
      where: { email: { equals: email, mode: "insensitive" }, memberships: { some: { orgId: input.orgId } } },
      select: { id: true, email: true },
    });
    if (!user) {
      throw new AppError("NOT_FOUND", `${email} is not a member of this organization: invite them first`, {
        details: {
          fieldErrors: { email: [`${email} is not a member of this organization: invite them first`] },
        },
      });
    }
    const existing = await tx.teamMember.findUnique({
      where: { teamId_userId: { teamId: team.id, userId: user.id } },
    });
    if (existing) return { teamId: team.id, userId: user.id, added: false };
    await tx.teamMember.create({ data: { id: newId("teamMember"), teamId: team.id, userId: user.id } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: "team_member.add",
      targetType: "team",
      targetId: team.id,
      details: { team: team.name, email: user.email },
    });
    return { teamId: team.id, userId: user.id, added: true };
  });
}
