import { AppError } from "@portcullis/contracts/errors";
import { createServer } from "@portcullis/control/servers/create-server";
import { deleteServer } from "@portcullis/control/servers/delete-server";
import { findServer } from "@portcullis/control/servers/find-server";
import { getServer } from "@portcullis/control/servers/get-server";
import { importMcpJson } from "@portcullis/control/servers/import-mcp-json";
import { listServers } from "@portcullis/control/servers/list-servers";
import { pageServers, SERVER_SORTS } from "@portcullis/control/servers/page-servers";
import { sealSpec } from "@portcullis/control/servers/sealed-spec";
import { setServerStatus } from "@portcullis/control/servers/set-server-status";
import { testServerConnection } from "@portcullis/control/servers/test-server-connection";
import { updateServer } from "@portcullis/control/servers/update-server";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { activeStatus, byId, entityId } from "../inputs";
import { pageInput, pageOutput } from "../page-input";
import {
  connectionTestResult,
  serverChangesInput,
  serverDetail,
  serverFieldsInput,
  serverSummary,
  syncStatus,
} from "./schemas";

const read = permissionProcedure("servers.read");
const write = permissionProcedure("servers.write");
const change = changeProcedure("servers.write");

export const serversRouter = router({
  /** Every server by name: for pickers and small installations. The Servers page uses `page`. */
  list: read.output(z.array(serverSummary)).query(({ ctx }) => listServers(ctx.db, ctx.org.id)),

  /** A page of servers, searched, filtered and sorted by the database. */
  page: read
    .input(
      pageInput(SERVER_SORTS)
        .extend({ status: activeStatus.optional(), health: serverSummary.shape.health.optional() })
        .optional(),
    )
    .output(pageOutput(serverSummary))
    .query(({ ctx, input }) => pageServers(ctx.db, { ...input, orgId: ctx.org.id })),

  get: read
    .input(byId)
    .output(serverDetail)
    .query(({ ctx, input }) =>
      getServer(ctx.db, { orgId: ctx.org.id, id: input.id, secretKey: ctx.secretKey }),
    ),

  create: change
    .input(serverFieldsInput)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const created = await createServer(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        secretKey: ctx.secretKey,
        fields: input,
      });
      ctx.change.describe(`servers.create ${created.name}`);
      return { id: created.id };
    }),

  update: change
    .input(serverChangesInput)
    .output(z.object({ id: z.string(), changed: z.array(z.string()) }))
    .mutation(async ({ ctx, input }) => {
      const { id, ...changes } = input;
      const updated = await updateServer(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        secretKey: ctx.secretKey,
        id,
        changes,
      });
      if (updated.changed.length > 0) ctx.change.describe(`servers.update ${updated.name}`);
      else ctx.change.unchanged();
      return { id: updated.id, changed: updated.changed };
    }),

  /**
   * Connects without saving: a saved server (optionally with unsaved edits) or a new spec.
   * A stdio server is tested by the worker; the console process never starts a program.
   */
  testConnection: write
    .meta({ notInSnapshot: "connects to the upstream and stores nothing" })
    .input(
      z.union([
        z.object({ id: entityId, changes: serverChangesInput.omit({ id: true }).optional() }),
        z.object({ spec: serverFieldsInput }),
      ]),
    )
    .output(connectionTestResult)
    .mutation(({ ctx, input }) =>
      testServerConnection(
        ctx.db,
        { orgId: ctx.org.id, actor: ctx.actor, secretKey: ctx.secretKey, target: input },
        {
          outbound: ctx.outbound,
          testStdio: (orgId, spec) =>
            ctx.catalogQueue.testConnection({
              orgId,
              serverId: spec.id,
              sealedSpec: sealSpec(spec, ctx.secretKey),
            }),
        },
      ),
    ),

  setStatus: change
    .input(z.object({ id: entityId, status: activeStatus }))
    .output(z.object({ id: z.string(), status: activeStatus }))
    .mutation(async ({ ctx, input }) => {
      const result = await setServerStatus(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (result.changed) ctx.change.describe(`servers.setStatus ${result.name} ${input.status}`);
      else ctx.change.unchanged();
      return { id: result.id, status: input.status };
    }),

  delete: change
    .input(byId)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const deleted = await deleteServer(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, id: input.id });
      ctx.change.describe(`servers.delete ${deleted.name}`);
      return { id: deleted.id };
    }),

  /**
   * Starts a catalog sync in the worker (`catalog.sync`); poll `syncStatus`. The sync's
   * audit row and snapshot are written by the job when the catalog changed.
   */
  sync: write
    .meta({ notInSnapshot: "the catalog-sync job publishes a snapshot when the catalog changed" })
    .input(byId)
    .output(z.object({ jobId: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const server = await findServer(ctx.db, ctx.org.id, input.id);
      return ctx.catalogQueue.enqueue({ serverId: server.id, orgId: ctx.org.id, actor: ctx.actor });
    }),

  syncStatus: read
    .input(z.object({ jobId: z.string().min(1).max(200) }))
    .output(syncStatus)
    .query(async ({ ctx, input }) => {
      const status = await ctx.catalogQueue.status(input.jobId, ctx.org.id);
      if (!status) throw new AppError("NOT_FOUND", `sync job ${input.jobId} does not exist (or has expired)`);
      return status;
    }),

  importMcpJson: change
    .input(z.object({ json: z.string().min(2).max(1_000_000), dryRun: z.boolean().optional() }))
    .output(
      z.object({
        created: z.array(z.string()),
        skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
        renamed: z.array(z.object({ from: z.string(), to: z.string() })),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const result = await importMcpJson(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        secretKey: ctx.secretKey,
        json: input.json,
        dryRun: input.dryRun ?? false,
      });
      if (!input.dryRun && result.created.length > 0)
        ctx.change.describe(`servers.importMcpJson ${result.created.join(", ")}`);
      else ctx.change.unchanged();
      return result;
    }),
});
