import { getTool } from "@portcullis/control/tools/get-tool";
import { listTools } from "@portcullis/control/tools/list-tools";
import { setToolRisk } from "@portcullis/control/tools/set-tool-risk";
import { setToolStatus } from "@portcullis/control/tools/set-tool-status";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { activeStatus, byId, entityId } from "../inputs";

const risk = z.enum(["read", "write", "destructive"]);
const toolStatus = z.enum(["active", "disabled", "quarantined", "removed"]);

const toolSummary = z.object({
  id: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  upstreamName: z.string(),
  exposedName: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  riskClass: risk,
  derivedRisk: risk,
  riskOverride: risk.nullable(),
  status: toolStatus,
  flags: z.array(z.string()),
  annotations: z.record(z.string(), z.unknown()).nullable(),
  updatedAt: z.date(),
});

const read = permissionProcedure("tools.read");
const change = changeProcedure("tools.write");

export const toolsRouter = router({
  /** A page of tools (50 by default), optionally of one server, matching a search. */
  list: read
    .input(
      z
        .object({
          serverId: entityId.optional(),
          search: z.string().max(200).optional(),
          status: toolStatus.optional(),
          cursor: z.string().max(1000).optional(),
          limit: z.number().int().min(1).max(200).optional(),
        })
        .optional(),
    )
    .output(
      z.object({ items: z.array(toolSummary), nextCursor: z.string().nullable(), total: z.number().int() }),
    )
    .query(({ ctx, input }) => listTools(ctx.db, { ...input, orgId: ctx.org.id })),

  get: read
    .input(byId)
    .output(
      toolSummary.extend({
        inputSchema: z.record(z.string(), z.unknown()),
        outputSchema: z.record(z.string(), z.unknown()).nullable(),
        definitionHash: z.string(),
        approvedHash: z.string().nullable(),
        firstSeenAt: z.date(),
      }),
    )
    .query(({ ctx, input }) => getTool(ctx.db, { orgId: ctx.org.id, id: input.id })),

  /** An admin's risk class for the tool; null goes back to the one derived from annotations. */
  setRisk: change
    .input(z.object({ id: entityId, risk: risk.nullable() }))
    .output(z.object({ id: z.string(), changed: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const result = await setToolRisk(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (result.changed)
        ctx.change.describe(`tools.setRisk ${result.exposedName} ${input.risk ?? "derived"}`);
      else ctx.change.unchanged();
      return { id: result.id, changed: result.changed };
    }),

  /**
   * Disables a tool, or enables a disabled one. A tool whose current definition is not
   * approved is refused (BAD_REQUEST): it is approved on the review page (`review.approve`),
   * bound to the definition hash the admin was shown.
   */
  setStatus: change
    .input(z.object({ id: entityId, status: activeStatus }))
    .output(z.object({ id: z.string(), changed: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const result = await setToolStatus(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (result.changed) ctx.change.describe(`tools.setStatus ${result.exposedName} ${input.status}`);
      else ctx.change.unchanged();
      return { id: result.id, changed: result.changed };
    }),
});
