import { configPolicy } from "@portcullis/contracts/config-policies";
import { policyKind, riskClass } from "@portcullis/contracts/snapshot";
import { createPolicy } from "@portcullis/control/policies/create-policy";
import { deletePolicy } from "@portcullis/control/policies/delete-policy";
import { getPolicy } from "@portcullis/control/policies/get-policy";
import { listPolicies } from "@portcullis/control/policies/list-policies";
import { listPolicyScopeOptions } from "@portcullis/control/policies/list-scope-options";
import { setPolicyEnabled } from "@portcullis/control/policies/set-policy-enabled";
import { updatePolicy } from "@portcullis/control/policies/update-policy";
import { z } from "zod";
import { changeProcedure, permissionProcedure, router } from "../../trpc";
import { byId, entityId } from "../inputs";

const scopeRefs = z.array(z.object({ ref: z.string(), name: z.string().nullable() }));
const policyView = z.object({
  id: z.string(),
  name: z.string(),
  kind: policyKind,
  enabled: z.boolean(),
  priority: z.number().int(),
  scope: z.object({
    teams: scopeRefs,
    agents: scopeRefs,
    servers: scopeRefs,
    tools: scopeRefs,
    users: scopeRefs,
  }),
  config: z.record(z.string(), z.unknown()),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const read = permissionProcedure("policies.read");
const change = changeProcedure("policies.write");

/**
 * Governance policies (dlp, rate_limit, approval). Create and update take a policy exactly
 * as the apply file's `policies:` entry writes it (scope by names), validated by the same
 * schema: field errors come back keyed `policy.config.detectors`, `policy.scope.teams.0`.
 */
export const policiesRouter = router({
  list: read
    .input(z.object({ kind: policyKind.optional() }).optional())
    .output(z.array(policyView))
    .query(({ ctx, input }) => listPolicies(ctx.db, { orgId: ctx.org.id, kind: input?.kind })),

  get: read
    .input(byId)
    .output(policyView)
    .query(({ ctx, input }) => getPolicy(ctx.db, { orgId: ctx.org.id, id: input.id })),

  /** What a scope can name, for the pickers. */
  scopeOptions: read
    .output(
      z.object({
        teams: z.array(z.string()),
        agents: z.array(z.object({ name: z.string(), team: z.string() })),
        servers: z.array(z.string()),
        tools: z.array(
          z.object({ name: z.string(), server: z.string(), title: z.string().nullable(), riskClass }),
        ),
      }),
    )
    .query(({ ctx }) => listPolicyScopeOptions(ctx.db, { orgId: ctx.org.id })),

  create: change
    .input(z.object({ policy: configPolicy }))
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const policy = await createPolicy(ctx.db, {
        orgId: ctx.org.id,
        actor: ctx.actor,
        policy: input.policy,
      });
      ctx.change.describe(`policies.create ${policy.name}`);
      return { id: policy.id };
    }),

  /** Replaces the policy with this entry (renaming it if the name differs). */
  update: change
    .input(z.object({ id: entityId, policy: configPolicy }))
    .output(z.object({ id: z.string(), changed: z.array(z.string()) }))
    .mutation(async ({ ctx, input }) => {
      const policy = await updatePolicy(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (policy.changed.length > 0) ctx.change.describe(`policies.update ${policy.name}`);
      else ctx.change.unchanged();
      return { id: policy.id, changed: policy.changed };
    }),

  setEnabled: change
    .input(z.object({ id: entityId, enabled: z.boolean() }))
    .output(z.object({ id: z.string(), enabled: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const policy = await setPolicyEnabled(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, ...input });
      if (policy.changed)
        ctx.change.describe(`policies.setEnabled ${policy.name} ${input.enabled ? "on" : "off"}`);
      else ctx.change.unchanged();
      return { id: policy.id, enabled: input.enabled };
    }),

  delete: change
    .input(byId)
    .output(z.object({ id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const policy = await deletePolicy(ctx.db, { orgId: ctx.org.id, actor: ctx.actor, id: input.id });
      ctx.change.describe(`policies.delete ${policy.name}`);
      return { id: policy.id };
    }),
});
