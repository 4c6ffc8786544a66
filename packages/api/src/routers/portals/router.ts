import { configPortal } from "@portcullis/contracts/portal";
import { deletePortal } from "@portcullis/control/portals/delete-portal";
import { listPortals } from "@portcullis/control/portals/list-portals";
import { savePortal } from "@portcullis/control/portals/save-portal";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { byId, entityId } from "../inputs";

// A portal exposes servers' tools: who may change servers may change portals.
const read = permissionProcedure("servers.read");
const change = changeProcedure("servers.write");

/** The console's form is the config file's `portals:` entry: one schema, console/apply parity. */
const portalOutput = z.object({ id: z.string(), portal: configPortal, updatedAt: z.date() });

export const portalsRouter = router({
  list: read.output(z.array(portalOutput)).query(({ ctx }) => listPortals(ctx.db, ctx.org.id)),

  create: change
    .input(configPortal)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const saved = await savePortal(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, portal: input });
      ctx.change.describe(`portals.create ${saved.name}`);
      return { id: saved.id };
    }),

  update: change
    .input(z.object({ id: entityId, portal: configPortal }))
    .output(z.object({ id: z.string(), changed: z.array(z.string()) }))
    .mutation(async ({ ctx, input }) => {
      const saved = await savePortal(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        id: input.id,
        portal: input.portal,
      });
      if (saved.changed.length === 0) ctx.change.unchanged();
      else ctx.change.describe(`portals.update ${saved.name}`);
      return { id: saved.id, changed: saved.changed };
    }),

  delete: change
    .input(byId)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const deleted = await deletePortal(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, id: input.id });
      ctx.change.describe(`portals.delete ${deleted.name}`);
      return { id: deleted.id };
    }),
});
