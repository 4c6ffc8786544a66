import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import { fieldChanges } from "../change-plan/field-changes";
import type { Db } from "../db";
import { duplicateName, nameConflict } from "../servers/unique-name";
import { findTeam } from "../teams/find-team";
import { findOrgAgent } from "./find-org-agent";

/**
 * Renames an agent, moves it to another team (its team grants change with it) or changes
 * its description. Its keys stay valid.
 */
export async function updateAgent(
  db: Db,
  input: {
    orgId: string;
    actor: Actor;
    id: string;
    name?: string;
    teamId?: string;
    description?: string | null;
  },
): Promise<{ id: string; name: string; changed: string[] }> {
  try {
    return await db.$transaction(async (tx) => {
      const agent = await findOrgAgent(tx, input.orgId, input.id);
      const team = input.teamId === undefined ? null : await findTeam(tx, input.orgId, input.teamId);
      const next = {
        name: input.name ?? agent.name,
        teamId: team?.id ?? agent.teamId,
        description: input.description === undefined ? agent.description : input.description,
      };
      const changed = (["name", "teamId", "description"] as const).filter((f) => agent[f] !== next[f]);
      if (changed.length === 0) return { id: agent.id, name: agent.name, changed: [] };
      if (
        next.name !== agent.name &&
        (await tx.agent.findFirst({ where: { orgId: input.orgId, name: next.name } }))
      ) {
        throw duplicateName("agent", next.name);
      }
      await tx.agent.update({ where: { id: agent.id }, data: next });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "agent.update",
        targetType: "agent",
        targetId: agent.id,
        details: { name: next.name, fields: changed, changes: fieldChanges(agent, next, changed) },
      });
      return { id: agent.id, name: next.name, changed };
    });
  } catch (error) {
    throw nameConflict(error, "agent", input.name ?? "");
  }
}
