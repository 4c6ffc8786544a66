import { oauthClientConfig, oauthConfig } from "@portcullis/contracts/oauth-config";
import {
  deleteOAuthClient,
  loadOAuthState,
  putOAuthClient,
  setOAuthSettings,
} from "@portcullis/control/oauth/oauth-settings";
import { z } from "zod";
import { permissionProcedure, router } from "../../trpc";

const read = permissionProcedure("config.read");
// Installation-wide settings of the authorization server: owners only, as in the apply file's `oauth:`.
const write = permissionProcedure("org.write").meta({
  notInSnapshot: "authorization-server settings are read by the AS, not by gateways",
});
const settings = oauthConfig.omit({ clients: true });

export const oauthRouter = router({
  /** The DCR switch, token lifetimes and pre-registered clients. */
  get: read
    .output(z.object({ settings, clients: z.array(oauthClientConfig) }))
    .query(({ ctx }) => loadOAuthState(ctx.db)),

  setSettings: write
    .input(settings)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await ctx.db.$transaction((tx) =>
        setOAuthSettings(tx, { orgId: ctx.org.id, actor: ctx.actor, settings: input }),
      );
      return { ok: true as const };
    }),

  putClient: write
    .input(oauthClientConfig)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      await ctx.db.$transaction((tx) =>
        putOAuthClient(tx, { orgId: ctx.org.id, actor: ctx.actor, client: input }),
      );
      return { id: input.id };
    }),

  deleteClient: write
    .input(z.object({ id: z.string().min(1) }))
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      await ctx.db.$transaction((tx) =>
        deleteOAuthClient(tx, { orgId: ctx.org.id, actor: ctx.actor, clientId: input.id }),
      );
      return { id: input.id };
    }),
});
