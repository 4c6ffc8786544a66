import { approvalCondition } from "@portcullis/contracts/approval-policy";
import { grantApprovalTimeoutSec } from "@portcullis/contracts/config-file";
import { approvalSource } from "@portcullis/contracts/jobs";
import { deleteGrant } from "@portcullis/control/grants/delete-grant";
import { GRANT_SUBJECT_TYPES } from "@portcullis/control/grants/grant-subject";
import { listGrants } from "@portcullis/control/grants/list-grants";
import { previewAgentTools } from "@portcullis/control/grants/preview-agent-tools";
import { previewPersonTools } from "@portcullis/control/grants/preview-person-tools";
import { setGrant } from "@portcullis/control/grants/set-grant";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { byId, entityId } from "../inputs";
import { grantAccessRouter, grantBulkRouter } from "./access-router";

const effect = z.enum(["allow", "approve", "deny"]);
/** A team, an agent or a person (`user`: a member's user id; named by email). */
const subject = z.object({ type: z.enum(GRANT_SUBJECT_TYPES), id: entityId });

/** One tool a preview lists: its effect, and whether calls wait for a person. */
const previewedTool = z.object({
  toolId: z.string(),
  exposedName: z.string(),
  title: z.string().nullable(),
  serverName: z.string(),
  effect: z.enum(["allow", "approve"]),
  grantId: z.string(),
  riskClass: z.enum(["read", "write", "destructive"]),
  approval: z.discriminatedUnion("mode", [
    z.object({ mode: z.literal("never") }),
    z.object({
      mode: z.enum(["always", "conditional"]),
      source: approvalSource,
      reason: z.string(),
      timeoutSec: z.number().int(),
      when: z.string().nullable(),
    }),
  ]),
});

const read = permissionProcedure("grants.read");
const change = changeProcedure("grants.write");

export const grantsRouter = router({
  access: grantAccessRouter,
  bulk: grantBulkRouter,

  list: read
    .input(z.object({ serverId: entityId.optional(), subject: subject.optional() }).optional())
    .output(
      z.array(
        z.object({
          id: z.string(),
          subject: subject.extend({ name: z.string() }),
          serverId: z.string(),
          serverName: z.string(),
          toolPattern: z.string(),
          effect,
          reason: z.string().nullable(),
          approvalTimeoutSec: z.number().int().nullable(),
          /** The argument condition of an `approve` grant, as stored (null: none). */
          condition: z.json().nullable(),
          createdBy: z.string().nullable(),
          updatedAt: z.date(),
        }),
      ),
    )
    .query(({ ctx, input }) => listGrants(ctx.db, { orgId: ctx.org.id, ...input })),

  /**
   * Creates or updates the grant of `subject` on `serverId` for `toolPattern` (a tool name
   * or glob). "No grant" is `grants.delete`: the default is deny. The input is the grant's
   * whole state, like an apply-file entry: an absent reason, timeout or condition clears it.
   * `condition` (effect approve only) is checked by the apply file's schema; its errors come
   * back keyed `condition.in`, `condition.all.0.path`.
   */
  set: change
    .input(
      z.object({
        subject,
        serverId: entityId,
        toolPattern: z.string().trim().min(1).max(200),
        effect,
        approvalTimeoutSec: grantApprovalTimeoutSec.nullish(),
        reason: z.string().trim().max(500).nullish(),
        condition: approvalCondition.nullish(),
      }),
    )
    .output(z.object({ id: z.string(), action: z.enum(["create", "update", "none"]) }))
    .mutation(async ({ ctx, input }) => {
      const result = await setGrant(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, grant: input });
      if (result.action !== "none") ctx.change.describe(`grants.set ${result.key} ${input.effect}`);
      else ctx.change.unchanged();
      return { id: result.id, action: result.action };
    }),

  delete: change
    .input(byId)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const deleted = await deleteGrant(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, id: input.id });
      ctx.change.describe(`grants.delete ${deleted.key}`);
      return { id: deleted.id };
    }),

  /**
   * "What can this agent see?" — computed by the gateway's policy code on the current
   * configuration: per tool, its effect and whether calls wait for a person (`approval`:
   * never, always, or only when the arguments match `when`; from a grant or a policy).
   * With `portalId`: what the agent sees through that portal, under the portal's names.
   */
  preview: read
    .input(z.object({ agentId: entityId, portalId: entityId.optional() }))
    .output(z.array(previewedTool))
    .query(
      async ({ ctx, input }) => (await previewAgentTools(ctx.db, { orgId: ctx.org.id, ...input })).tools,
    ),

  /**
   * "What can this person see?" — the tools a person's MCP client lists: their own grants
   * and every one of their teams', by the policy package's precedence (`personView`).
   */
  previewPerson: read
    .input(z.object({ userId: entityId }))
    .output(
      z.object({
        person: z.object({
          id: z.string(),
          email: z.string(),
          name: z.string().nullable(),
          teamIds: z.array(z.string()),
          status: z.enum(["active", "suspended"]),
        }),
        tools: z.array(previewedTool),
      }),
    )
    .query(({ ctx, input }) => previewPersonTools(ctx.db, { orgId: ctx.org.id, ...input })),
});
