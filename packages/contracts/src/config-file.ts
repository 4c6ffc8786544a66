import { z } from "zod";
import { configPolicy } from "./config-policies";
import { grantEffect, riskClass } from "./snapshot";

/**
 * The declarative configuration file (`portcullis apply -f portcullis.yaml`).
 * Names are the identity of entries: applying the same file twice changes nothing,
 * and an entry removed from the file is removed from the installation.
 */
const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, "use lowercase letters, digits and dashes (no '__')")
  .refine((s) => !s.includes("__"), "'__' is reserved as the tool-name separator");

const secretRef = z.union([
  z.string(),
  z.object({
    env: z.string().min(1).describe("read the value from this environment variable at apply time"),
  }),
]);

const serverBase = {
  name,
  description: z.string().optional(),
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  disabled: z.boolean().optional(),
};

export const configServer = z.discriminatedUnion("transport", [
  z
    .object({
      ...serverBase,
      transport: z.enum(["streamable-http", "sse"]),
      url: z.string().url(),
      headers: z.record(z.string(), secretRef).optional(),
      bearer: secretRef.optional(),
    })
    .strict(),
  z
    .object({
      ...serverBase,
      transport: z.literal("stdio"),
      command: z.string().min(1),
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), secretRef).optional(),
    })
    .strict(),
]);
export type ConfigServer = z.infer<typeof configServer>;

export const configGrant = z
  .object({
    team: name.optional(),
    agent: name.optional(),
    server: name,
    tools: z.array(z.string().min(1)).min(1),
    effect: grantEffect.default("allow"),
    approvalTimeoutSec: z.number().int().positive().optional(),
    reason: z.string().optional(),
  })
  .strict()
  .refine(
    (g) => (g.team === undefined) !== (g.agent === undefined),
    "a grant names exactly one of team or agent",
  );
export type ConfigGrant = z.infer<typeof configGrant>;

export const configFile = z
  .object({
    organization: z
      .string()
      .min(1)
      .optional()
      .describe("organization slug (created if missing); defaults to the only one"),
    servers: z.array(configServer).default([]),
    teams: z.array(z.object({ name, description: z.string().optional() }).strict()).default([]),
    agents: z
      .array(
        z
          .object({ name, team: name, description: z.string().optional(), disabled: z.boolean().optional() })
          .strict(),
      )
      .default([]),
    grants: z.array(configGrant).default([]),
    toolRisk: z
      .array(z.object({ server: name, tool: z.string().min(1), risk: riskClass }).strict())
      .default([])
      .describe("admin overrides of a tool's risk class"),
    policies: z
      .array(configPolicy)
      .default([])
      .describe("governance policies (dlp, rate_limit); names are unique across kinds"),
  })
  .strict();
export type ConfigFile = z.infer<typeof configFile>;
