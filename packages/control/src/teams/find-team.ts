import { AppError } from "@portcullis/contracts/errors";
import type { Team } from "@portcullis/db/client";
import type { Tx } from "../db";

/** A team of the organization; another organization's team is reported as missing. */
export async function findTeam(tx: Tx, orgId: string, teamId: string): Promise<Team> {
  const team = await tx.team.findFirst({ where: { id: teamId, orgId } });
  if (!team) throw new AppError("NOT_FOUND", `team ${teamId} does not exist`);
  return team;
}
