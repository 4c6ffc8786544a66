import {
  principalAccessByServer,
  principalAccessByTool,
} from "@portcullis/control/grants/access/principal-access";
import { serverAccessByPrincipal } from "@portcullis/control/grants/access/server-access";
import { applyBulkGrants } from "@portcullis/control/grants/bulk/apply-bulk-grants";
import { planBulkGrants } from "@portcullis/control/grants/bulk/plan-bulk-grants";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { entityId } from "../inputs";
import {
  accessEffect,
  counts,
  grantEffect,
  grantRef,
  principalRef,
  principalView,
  riskClass,
  toolFilter,
  toolStatus,
} from "./access-schemas";

const read = permissionProcedure("grants.read");
const change = changeProcedure("grants.write");
const window = {
  offset: z.number().int().min(0).max(1_000_000).optional(),
  limit: z.number().int().min(1).max(200).optional(),
};

/** The grant editor by search and focus: one principal's access, or one server's principals. */
export const grantAccessRouter = router({
  /** A principal's access per server: effect counts over the tools the filter keeps, and its grants. */
  byServer: read
    .input(z.object({ principal: principalRef, filter: toolFilter.default({}) }))
    .output(
      z.object({
        principal: principalView,
        rows: z.array(
          z.object({
            server: z.object({ id: z.string(), name: z.string(), status: z.enum(["active", "disabled"]) }),
            counts,
            grants: z.array(grantRef),
          }),
        ),
      }),
    )
    .query(({ ctx, input }) => principalAccessByServer(ctx.db, { orgId: ctx.org.id, ...input })),

  /** A page of a principal's access tool by tool, with the grant that decides each. */
  byTool: read
    .input(z.object({ principal: principalRef, filter: toolFilter.default({}), ...window }))
    .output(
      z.object({
        items: z.array(
          z.object({
            toolId: z.string(),
            serverId: z.string(),
            serverName: z.string(),
            exposedName: z.string(),
            upstreamName: z.string(),
            riskClass,
            status: toolStatus,
            effect: accessEffect,
            grant: grantRef.nullable(),
          }),
        ),
        total: z.number().int(),
      }),
    )
    .query(({ ctx, input }) => principalAccessByTool(ctx.db, { orgId: ctx.org.id, ...input })),

  /** Every team's and agent's access to one server (searched by name), a page of them. */
  byPrincipal: read
    .input(
      z.object({
        serverId: entityId,
        filter: toolFilter.omit({ serverId: true }).default({}),
        search: z.string().max(200).optional(),
        ...window,
      }),
    )
    .output(
      z.object({
        server: z.object({ id: z.string(), name: z.string() }),
        items: z.array(z.object({ principal: principalView, counts, grants: z.array(grantRef) })),
        total: z.number().int(),
      }),
    )
    .query(({ ctx, input }) => serverAccessByPrincipal(ctx.db, { orgId: ctx.org.id, ...input })),
});

const bulkChange = z.object({
  principal: principalRef,
  filter: toolFilter,
  effect: grantEffect,
  reason: z.string().trim().max(500).nullish(),
});

/** Bulk grant changes: a preview first, then a save bound to that preview's fingerprint. */
export const grantBulkRouter = router({
  preview: read
    .input(bulkChange)
    .output(
      z.object({
        principal: principalView,
        effect: grantEffect,
        grants: z.array(
          z.object({
            serverId: z.string(),
            serverName: z.string(),
            toolPattern: z.string(),
            action: z.enum(["create", "update", "none"]),
            before: grantEffect.nullable(),
          }),
        ),
        tools: z.object({
          total: z.number().int(),
          changed: z.number().int(),
          sample: z.array(
            z.object({
              toolId: z.string(),
              exposedName: z.string(),
              serverName: z.string(),
              before: accessEffect,
              after: accessEffect,
            }),
          ),
        }),
        fingerprint: z.string(),
      }),
    )
    .query(({ ctx, input }) => planBulkGrants(ctx.db, { orgId: ctx.org.id, change: input })),

  save: change
    .input(z.object({ change: bulkChange, fingerprint: z.string().length(64) }))
    .output(z.object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const result = await applyBulkGrants(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      const { principal, effect } = input.change;
      if (result.created + result.updated === 0) ctx.change.unchanged();
      else
        ctx.change.describe(
          `grants.bulk ${principal.type} ${principal.id} ${effect} (${result.created} created, ${result.updated} updated)`,
        );
      return result;
    }),
});
