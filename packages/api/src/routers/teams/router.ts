import { entityName } from "@portcullis/control/naming";
import { addTeamMember } from "@portcullis/control/teams/add-team-member";
import { createTeam } from "@portcullis/control/teams/create-team";
import { deleteTeam } from "@portcullis/control/teams/delete-team";
import { listTeams } from "@portcullis/control/teams/list-teams";
import { removeTeamMember } from "@portcullis/control/teams/remove-team-member";
import { updateTeam } from "@portcullis/control/teams/update-team";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { byId, entityId, optionalText } from "../inputs";

const read = permissionProcedure("teams.read");
const write = permissionProcedure("teams.write");
const change = changeProcedure("teams.write");

export const teamsRouter = router({
  list: read
    .output(
      z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          description: z.string().nullable(),
          memberCount: z.number().int(),
          agentCount: z.number().int(),
          members: z.array(z.object({ userId: z.string(), email: z.string(), name: z.string().nullable() })),
          createdAt: z.date(),
        }),
      ),
    )
    .query(({ ctx }) => listTeams(ctx.db, ctx.org.id)),

  create: write
    .meta({
      notInSnapshot: "a team alone is not in the snapshot: its agents and grants are, and they publish",
    })
    .input(z.object({ name: entityName, description: optionalText(1000) }))
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      // A team alone is not in the snapshot: its agents and grants are, and they publish.
      const team = await createTeam(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      return { id: team.id };
    }),

  update: change
    .input(z.object({ id: entityId, name: entityName.optional(), description: optionalText(1000) }))
    .output(z.object({ id: z.string(), changed: z.array(z.string()) }))
    .mutation(async ({ ctx, input }) => {
      const team = await updateTeam(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      // Agents carry their team's name in the snapshot.
      if (team.changed.includes("name")) ctx.change.describe(`teams.update ${team.name}`);
      else ctx.change.unchanged();
      return { id: team.id, changed: team.changed };
    }),

  delete: change
    .input(byId)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const team = await deleteTeam(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, id: input.id });
      ctx.change.describe(`teams.delete ${team.name}`);
      return { id: team.id };
    }),

  // Team membership publishes: a person's teams' grants are theirs (snapshot `people[].teamIds`).
  addMember: change
    .input(z.object({ teamId: entityId, email: z.string().trim().min(3).max(320) }))
    .output(z.object({ teamId: z.string(), userId: z.string(), added: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const result = await addTeamMember(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (result.added) ctx.change.describe(`teams.addMember ${result.teamId} ${result.userId}`);
      else ctx.change.unchanged();
      return result;
    }),

  removeMember: change
    .input(z.object({ teamId: entityId, userId: entityId }))
    .output(z.object({ teamId: z.string(), userId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const result = await removeTeamMember(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      ctx.change.describe(`teams.removeMember ${result.teamId} ${result.userId}`);
      return result;
    }),
});
