import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { findOrgAgent } from "@portcullis/control/agents/find-org-agent";
import { listApiKeys } from "@portcullis/control/agents/list-api-keys";
import { revokeApiKey } from "@portcullis/control/agents/revoke-api-key";
import { z } from "zod";
import { DEFAULT_GATEWAY_URL } from "../../context";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { entityId } from "../inputs";
import { mcpJsonSnippet } from "./mcp-json";

const change = changeProcedure("keys.write");

export const keysRouter = router({
  /** An agent's keys, revoked and expired ones included; never a key or its hash. */
  list: permissionProcedure("agents.read")
    .input(z.object({ agentId: entityId }))
    .output(
      z.array(
        z.object({
          id: z.string(),
          name: z.string().nullable(),
          prefix: z.string(),
          createdBy: z.string().nullable(),
          createdAt: z.date(),
          lastUsedAt: z.date().nullable(),
          expiresAt: z.date().nullable(),
          revokedAt: z.date().nullable(),
        }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const agent = await findOrgAgent(ctx.db, ctx.org.id, input.agentId);
      return listApiKeys(ctx.db, agent.name, { orgId: ctx.org.id });
    }),

  /** Issues a key: returned this once, with a ready mcp.json; gateways accept it within a second. */
  create: change
    .input(
      z.object({
        agentId: entityId,
        name: z.string().trim().max(100).optional(),
        expiresAt: z.date().optional(),
      }),
    )
    .output(
      z.object({
        id: z.string(),
        key: z.string(),
        prefix: z.string(),
        expiresAt: z.date().nullable(),
        mcpJson: z.string(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const agent = await findOrgAgent(ctx.db, ctx.org.id, input.agentId);
      const created = await createApiKey(ctx.db, {
        orgId: ctx.org.id,
        agentName: agent.name,
        ...(input.name && { name: input.name }),
        ...(input.expiresAt && { expiresAt: input.expiresAt }),
        actor: ctx.actor,
      });
      ctx.change.describe(`keys.create ${agent.name} ${created.prefix}`);
      return { ...created, mcpJson: mcpJsonSnippet(ctx.gatewayUrl ?? DEFAULT_GATEWAY_URL, created.key) };
    }),

  /** Revokes a key; gateways refuse it within a second (the next snapshot lacks it). Idempotent. */
  revoke: change
    .input(
      z.object({
        id: z
          .string()
          .trim()
          .regex(/^key_[A-Za-z0-9]+$/, "a key id (key_…)"),
      }),
    )
    .output(z.object({ id: z.string(), revokedAt: z.date(), alreadyRevoked: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const revoked = await revokeApiKey(ctx.db, {
        keyIdOrPrefix: input.id,
        orgId: ctx.org.id,
        actor: ctx.actor,
      });
      if (!revoked.alreadyRevoked) ctx.change.describe(`keys.revoke ${revoked.agentName} ${revoked.prefix}`);
      else ctx.change.unchanged();
      return { id: revoked.id, revokedAt: revoked.revokedAt, alreadyRevoked: revoked.alreadyRevoked };
    }),
});
