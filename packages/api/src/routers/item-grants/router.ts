import { GRANT_SUBJECT_TYPES } from "@portcullis/control/grants/grant-subject";
import { deleteItemGrant } from "@portcullis/control/item-grants/delete-item-grant";
import { listItemGrants } from "@portcullis/control/item-grants/list-item-grants";
import { previewAgentItems } from "@portcullis/control/item-grants/preview-agent-items";
import { setItemGrant } from "@portcullis/control/item-grants/set-item-grant";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { byId, entityId } from "../inputs";

const kind = z.enum(["resource", "prompt"]);
const effect = z.enum(["allow", "deny"]);
/** A team, an agent or a person (`user`: a member's user id; named by email). */
const subject = z.object({ type: z.enum(GRANT_SUBJECT_TYPES), id: entityId });

const read = permissionProcedure("grants.read");
const change = changeProcedure("grants.write");

/**
 * Grants on servers' resources (URI patterns) and prompts (name patterns): the console's
 * parity for the apply file's `resources:` and `prompts:`. Tool grants never expose them.
 */
export const itemGrantsRouter = router({
  list: read
    .input(z.object({ serverId: entityId.optional(), subject: subject.optional() }).optional())
    .output(
      z.array(
        z.object({
          id: z.string(),
          subject: subject.extend({ name: z.string() }),
          serverId: z.string(),
          serverName: z.string(),
          kind,
          pattern: z.string(),
          effect,
          reason: z.string().nullable(),
          createdBy: z.string().nullable(),
          updatedAt: z.date(),
        }),
      ),
    )
    .query(({ ctx, input }) => listItemGrants(ctx.db, { orgId: ctx.org.id, ...input })),

  /** Creates or updates the grant of `subject` on `serverId` for `kind` + `pattern`; allow or deny only. */
  set: change
    .input(
      z.object({
        subject,
        serverId: entityId,
        kind,
        pattern: z.string().trim().min(1).max(500),
        effect,
        reason: z.string().trim().max(500).nullish(),
      }),
    )
    .output(z.object({ id: z.string(), action: z.enum(["create", "update", "none"]) }))
    .mutation(async ({ ctx, input }) => {
      const result = await setItemGrant(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, grant: input });
      if (result.action === "none") ctx.change.unchanged();
      else ctx.change.describe(`itemGrants.set ${result.key} ${input.effect}`);
      return { id: result.id, action: result.action };
    }),

  delete: change
    .input(byId)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const deleted = await deleteItemGrant(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, id: input.id });
      ctx.change.describe(`itemGrants.delete ${deleted.key}`);
      return { id: deleted.id };
    }),

  /** The resource and prompt rules the gateway applies to an agent (servers with none serve nothing). */
  preview: read
    .input(z.object({ agentId: entityId }))
    .output(
      z.array(
        z.object({
          serverName: z.string(),
          kind,
          pattern: z.string(),
          effect,
          via: z.enum(["agent", "team"]),
          reason: z.string().nullable(),
        }),
      ),
    )
    .query(({ ctx, input }) => previewAgentItems(ctx.db, { orgId: ctx.org.id, ...input })),
});
