import { approveToolDefinition } from "@portcullis/control/tools/review/approve-tool-definition";
import { getToolDiff } from "@portcullis/control/tools/review/get-tool-diff";
import { listToolsForReview } from "@portcullis/control/tools/review/list-tools-for-review";
import { rejectTool } from "@portcullis/control/tools/review/reject-tool";
import { INJECTION_KINDS } from "@portcullis/policy/tool-scan/findings";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { byId, entityId } from "../inputs";

const reason = z.object({
  flag: z.string(),
  kind: z.enum(["definition_changed", "new_tool", "prompt_injection", "name_collision", "other"]),
  detail: z.string().nullable(),
});

const toolStatus = z.enum(["active", "disabled", "quarantined", "removed"]);

const definition = z.object({
  name: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  inputSchema: z.record(z.string(), z.unknown()).nullable(),
  outputSchema: z.record(z.string(), z.unknown()).nullable(),
  annotations: z.record(z.string(), z.unknown()).nullable(),
});

const queueItem = z.object({
  id: z.string(),
  serverId: z.string(),
  serverName: z.string(),
  upstreamName: z.string(),
  exposedName: z.string(),
  status: toolStatus,
  flags: z.array(z.string()),
  reasons: z.array(reason),
  definitionHash: z.string(),
  approvedHash: z.string().nullable(),
  updatedAt: z.date(),
});

const toolDiff = z.object({
  tool: z.object({
    id: z.string(),
    serverId: z.string(),
    serverName: z.string(),
    exposedName: z.string(),
    upstreamName: z.string(),
    status: toolStatus,
    flags: z.array(z.string()),
    reasons: z.array(reason),
    definitionHash: z.string(),
    approvedHash: z.string().nullable(),
    firstSeenAt: z.date(),
    updatedAt: z.date(),
  }),
  approved: definition.nullable(),
  current: definition,
  changes: z.array(
    z.object({
      field: z.enum(["name", "title", "description", "inputSchema", "outputSchema", "annotations"]),
      changed: z.boolean(),
      text: z.array(z.object({ op: z.enum(["equal", "insert", "delete"]), text: z.string() })),
      json: z
        .array(
          z.object({
            path: z.string(),
            kind: z.enum(["added", "removed", "changed"]),
            before: z.unknown().optional(),
            after: z.unknown().optional(),
          }),
        )
        .optional(),
    }),
  ),
  findings: z.array(
    z.object({
      field: z.string(),
      kind: z.enum(INJECTION_KINDS),
      index: z.number().int(),
      length: z.number().int(),
      evidence: z.string(),
    }),
  ),
});

const decision = z.object({ id: z.string(), changed: z.boolean() });
const read = permissionProcedure("tools.read");
const change = changeProcedure("tools.write");

/** Tool pinning review: quarantined and flagged tools, their diffs, and the admin's decision. */
export const reviewRouter = router({
  /** Quarantined tools first, then flagged ones; with why each is in the queue. */
  list: read
    .input(
      z
        .object({
          search: z.string().max(200).optional(),
          serverId: entityId.optional(),
          offset: z.number().int().min(0).max(1_000_000).optional(),
          limit: z.number().int().min(1).max(200).optional(),
        })
        .optional(),
    )
    .output(z.object({ items: z.array(queueItem), total: z.number().int() }))
    .query(({ ctx, input }) => listToolsForReview(ctx.db, ctx.org.id, input)),

  /** Approved and current definition side by side, field by field, with the scanner's findings. */
  diff: read
    .input(byId)
    .output(toolDiff)
    .query(({ ctx, input }) => getToolDiff(ctx.db, ctx.org.id, input.id)),

  /**
   * Approves exactly the definition the admin reviewed (`definitionHash` from `diff`);
   * CONFLICT if the upstream changed it since. The tool is visible to agents again within a second.
   */
  approve: change
    .input(z.object({ id: entityId, definitionHash: z.string().trim().min(1).max(128) }))
    .output(decision)
    .mutation(async ({ ctx, input }) => {
      const result = await approveToolDefinition(ctx.db, {
        orgId: ctx.org.id,
        toolId: input.id,
        definitionHash: input.definitionHash,
        actor: ctx.actor,
      });
      if (result.changed) ctx.change.describe(`review.approve ${result.exposedName}`);
      else ctx.change.unchanged();
      return { id: result.id, changed: result.changed };
    }),

  /** Keeps the tool disabled (hidden and uncallable), flags kept; it can still be approved later. */
  reject: change
    .input(byId)
    .output(decision)
    .mutation(async ({ ctx, input }) => {
      const result = await rejectTool(ctx.db, { orgId: ctx.org.id, toolId: input.id, actor: ctx.actor });
      if (result.changed) ctx.change.describe(`review.reject ${result.exposedName}`);
      else ctx.change.unchanged();
      return { id: result.id, changed: result.changed };
    }),
});
