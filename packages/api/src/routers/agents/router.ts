import { toolExposure } from "@portcullis/contracts/exposure";
import { agentContextCost } from "@portcullis/control/agents/agent-context-cost";
import { createAgent } from "@portcullis/control/agents/create-agent";
import { deleteAgent } from "@portcullis/control/agents/delete-agent";
import { findOrgAgent } from "@portcullis/control/agents/find-org-agent";
import { listAgents } from "@portcullis/control/agents/list-agents";
import { AGENT_SORTS, pageAgents } from "@portcullis/control/agents/page-agents";
import { setAgentExposure } from "@portcullis/control/agents/set-agent-exposure";
import { setAgentStatus } from "@portcullis/control/agents/set-agent-status";
import { updateAgent } from "@portcullis/control/agents/update-agent";
import { entityName } from "@portcullis/control/naming";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { activeStatus, byId, entityId, optionalText } from "../inputs";
import { pageInput, pageOutput } from "../page-input";

const agentSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  teamId: z.string(),
  teamName: z.string(),
  status: activeStatus,
  keyCount: z.number().int(),
  lastUsedAt: z.date().nullable(),
  createdAt: z.date(),
});

const read = permissionProcedure("agents.read");
const change = changeProcedure("agents.write");

export const agentsRouter = router({
  list: read
    .input(z.object({ teamId: entityId.optional() }).optional())
    .output(z.array(agentSummary))
    .query(({ ctx, input }) => listAgents(ctx.db, { orgId: ctx.org.id, teamId: input?.teamId })),

  /** A page of agents, searched, filtered by team and status, sorted by the database. */
  page: read
    .input(
      pageInput(AGENT_SORTS)
        .extend({ teamId: entityId.optional(), status: activeStatus.optional() })
        .optional(),
    )
    .output(pageOutput(agentSummary))
    .query(({ ctx, input }) => pageAgents(ctx.db, { ...input, orgId: ctx.org.id })),

  get: read
    .input(byId)
    .output(agentSummary)
    .query(async ({ ctx, input }) => {
      const agent = await findOrgAgent(ctx.db, ctx.org.id, input.id);
      const [summary] = await listAgents(ctx.db, { orgId: ctx.org.id, teamId: agent.teamId }).then((all) =>
        all.filter((a) => a.id === agent.id),
      );
      return summary!;
    }),

  create: change
    .input(z.object({ name: entityName, teamId: entityId, description: optionalText(1000) }))
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const agent = await createAgent(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      ctx.change.describe(`agents.create ${agent.name}`);
      return { id: agent.id };
    }),

  update: change
    .input(
      z.object({
        id: entityId,
        name: entityName.optional(),
        teamId: entityId.optional(),
        description: optionalText(1000),
      }),
    )
    .output(z.object({ id: z.string(), changed: z.array(z.string()) }))
    .mutation(async ({ ctx, input }) => {
      const agent = await updateAgent(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (agent.changed.some((f) => f !== "description")) ctx.change.describe(`agents.update ${agent.name}`);
      else ctx.change.unchanged();
      return { id: agent.id, changed: agent.changed };
    }),

  setStatus: change
    .input(z.object({ id: entityId, status: activeStatus }))
    .output(z.object({ id: z.string(), status: activeStatus }))
    .mutation(async ({ ctx, input }) => {
      const agent = await setAgentStatus(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (agent.changed) ctx.change.describe(`agents.setStatus ${agent.name} ${input.status}`);
      else ctx.change.unchanged();
      return { id: agent.id, status: input.status };
    }),

  /** The agent's exposure setting and what `tools/list` costs its context in each mode. */
  context: read
    .input(byId)
    .output(
      z.object({
        exposure: toolExposure.nullable(),
        effective: toolExposure,
        toolCount: z.number().int(),
        tokens: z.object({ full: z.number().int(), search: z.number().int(), code: z.number().int() }),
      }),
    )
    .query(({ ctx, input }) => agentContextCost(ctx.db, { orgId: ctx.org.id, agentId: input.id })),

  /** full | search | code, or null to inherit (its portal's, else full); the gateways enforce it. */
  setExposure: change
    .input(z.object({ id: entityId, exposure: toolExposure.nullable() }))
    .output(z.object({ id: z.string(), exposure: toolExposure.nullable() }))
    .mutation(async ({ ctx, input }) => {
      const agent = await setAgentExposure(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (agent.changed)
        ctx.change.describe(`agents.setExposure ${agent.name} ${input.exposure ?? "inherit"}`);
      else ctx.change.unchanged();
      return { id: agent.id, exposure: input.exposure };
    }),

  delete: change
    .input(byId)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const agent = await deleteAgent(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, id: input.id });
      ctx.change.describe(`agents.delete ${agent.name}`);
      return { id: agent.id };
    }),
});
