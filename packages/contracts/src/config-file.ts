import { z } from "zod";
import { approvalCondition, MAX_APPROVAL_TIMEOUT_SEC } from "./approval-policy";
import { configPolicy } from "./config-policies";
import { toolExposure } from "./exposure";
import { oauthConfig } from "./oauth-config";
import { configPortal } from "./portal";
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
  allowElicitation: z
    .boolean()
    .optional()
    .describe(
      "whether the server may ask the agent's user for input during a call (elicitation, form and URL mode). Default true",
    ),
  allowSampling: z
    .boolean()
    .optional()
    .describe(
      "whether the server may ask the agent's client to sample its model during a call. Default false",
    ),
  trustNewTools: z
    .boolean()
    .optional()
    .describe(
      "whether a tool the server first lists after its first catalog sync is served at once. Default false: " +
        "it is quarantined as a new tool until an admin approves it (console Review page, or tools: approvedDefinition)",
    ),
};

export const configTeam = z
  .object({
    name,
    description: z.string().optional(),
    webhook: secretRef
      .optional()
      .describe(
        "Slack-compatible incoming webhook URL the worker posts this team's approval requests and decisions " +
          "to; a secret (the URL's path is its credential): prefer { env: VAR }. Stored sealed; plans and the " +
          "audit log name its host only. Absent: the team has no webhook (one set in the console is cleared)",
      ),
  })
  .strict();
export type ConfigTeam = z.infer<typeof configTeam>;

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
      command: z
        .string()
        .min(1)
        .describe("the program to start; it must be on the operator's PORTCULLIS_STDIO_ALLOW list"),
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), secretRef).optional(),
      network: z
        .boolean()
        .optional()
        .describe(
          "false: the server runs without network access (needs PORTCULLIS_STDIO_SANDBOX=bubblewrap). Default true",
        ),
    })
    .strict(),
]);
export type ConfigServer = z.infer<typeof configServer>;

/**
 * Why a grant condition is refused on `allow` and `deny`: the policy code reads it only on
 * `approve` grants (approval-rules.ts), so elsewhere it would look like a rule and do nothing.
 */
export const GRANT_CONDITION_NEEDS_APPROVE =
  "a condition only applies to grants with effect approve (matching calls wait for a person); " +
  "allow and deny grants do not look at arguments: remove the condition or use effect approve";

/**
 * How long a call held by an `approve` grant waits for a decision: the bound approval
 * policies use. One schema for the file, the console's `grants.set` and setGrant.
 */
export const grantApprovalTimeoutSec = z
  .number()
  .int("whole seconds")
  .min(1, "at least 1 second")
  .max(MAX_APPROVAL_TIMEOUT_SEC, `at most ${MAX_APPROVAL_TIMEOUT_SEC} seconds (7 days)`);

/** Why an approval timeout is refused on `allow` and `deny`: only `approve` grants hold a call. */
export const GRANT_TIMEOUT_NEEDS_APPROVE =
  "an approval timeout only applies to grants with effect approve (how long a held call waits for a " +
  "person); allow and deny grants hold nothing: remove approvalTimeoutSec or use effect approve";

/** Why `approve` is refused on resources and prompts: only a tool call is held for a person. */
export const ITEM_GRANT_NEEDS_ALLOW_OR_DENY =
  "resources and prompts are allowed or denied, never held for approval (only tool calls wait for a " +
  "person): put them in an entry with effect allow or deny";

export const configGrant = z
  .object({
    team: name.optional(),
    agent: name.optional(),
    user: z
      .string()
      .email()
      .optional()
      .describe("a person, by the email they sign in with: a member of the organization (case-insensitive)"),
    server: name,
    tools: z
      .array(z.string().min(1))
      .default([])
      .describe('upstream tool names or globs ("*", "get-*"); a tool grant exposes no resource or prompt'),
    resources: z
      .array(z.string().min(1))
      .default([])
      .describe('resource URIs or URI globs ("docs://public/*", "*"); effect allow or deny only'),
    prompts: z
      .array(z.string().min(1))
      .default([])
      .describe('upstream prompt names or globs ("summarize", "*"); effect allow or deny only'),
    effect: grantEffect.default("allow"),
    approvalTimeoutSec: grantApprovalTimeoutSec
      .optional()
      .describe(
        `effect approve only: seconds a held call waits for a decision (1..${MAX_APPROVAL_TIMEOUT_SEC})`,
      ),
    reason: z.string().optional(),
    condition: approvalCondition
      .optional()
      .describe(
        "effect approve only: just the calls whose arguments match wait for a person; the others " +
          "are allowed by this grant. Absent: every call waits. E.g. { path: env, in: [prod, production] }",
      ),
  })
  .strict()
  .refine(
    (g) => [g.team, g.agent, g.user].filter((v) => v !== undefined).length === 1,
    "a grant names exactly one of team, agent or user",
  )
  .refine((g) => g.tools.length + g.resources.length + g.prompts.length > 0, {
    path: ["tools"],
    message: "name at least one tool, resource or prompt pattern (tools:, resources: or prompts:)",
  })
  .refine((g) => g.effect !== "approve" || (g.resources.length === 0 && g.prompts.length === 0), {
    path: ["effect"],
    message: ITEM_GRANT_NEEDS_ALLOW_OR_DENY,
  })
  .refine((g) => g.condition === undefined || g.effect === "approve", {
    path: ["condition"],
    message: GRANT_CONDITION_NEEDS_APPROVE,
  })
  .refine((g) => g.approvalTimeoutSec === undefined || g.effect === "approve", {
    path: ["approvalTimeoutSec"],
    message: GRANT_TIMEOUT_NEEDS_APPROVE,
  });
export type ConfigGrant = z.infer<typeof configGrant>;

/** A tool definition's hash as the console's review page and `portcullis tools list` show it. */
export const definitionHash = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "a tool definition hash: 64 lowercase hex characters (sha256)");

/**
 * Per-tool settings, the console's parity for a tool's risk class, status and definition
 * review. A tool is named by its server and its upstream name (`echo`, not `everything__echo`).
 */
export const configTool = z
  .object({
    server: name,
    tool: z.string().min(1).describe("the tool's name as its server lists it"),
    risk: riskClass
      .optional()
      .describe("overrides the risk class derived from the tool's annotations; absent: the derived one"),
    disabled: z
      .boolean()
      .optional()
      .describe(
        "true: gateways neither list nor call the tool. Absent or false: enabled again if disabled, " +
          "but never by approving a definition: a quarantined tool stays quarantined until approved, and a " +
          "disabled one whose current definition awaits approval stays disabled (the plan says so)",
      ),
    approvedDefinition: definitionHash
      .optional()
      .describe(
        "the sha256 definition hash you reviewed and accept (console: Tool review; CLI: `portcullis tools list`). " +
          "A quarantined tool whose current definition has exactly this hash is approved, as the console's " +
          "Approve does; a different current hash (the server changed the tool again) approves nothing and " +
          "is reported in the plan. Removing it later does not revoke an approval",
      ),
  })
  .strict();
export type ConfigTool = z.infer<typeof configTool>;

export const configFile = z
  .object({
    organization: z
      .string()
      .min(1)
      .optional()
      .describe("organization slug (created if missing); defaults to the only one"),
    servers: z.array(configServer).default([]),
    teams: z.array(configTeam).default([]),
    agents: z
      .array(
        z
          .object({
            name,
            team: name,
            description: z.string().optional(),
            disabled: z.boolean().optional(),
            exposure: toolExposure
              .optional()
              .describe(
                "how the agent's granted tools reach its context: full (every schema in tools/list), search " +
                  "(search_tools + call_tool) or code (search_tools + execute); absent inherits its portal's, else full",
              ),
          })
          .strict(),
      )
      .default([]),
    grants: z.array(configGrant).default([]),
    tools: z
      .array(configTool)
      .default([])
      .describe(
        "per-tool settings (risk, disabled, approvedDefinition); one entry per tool. The file is the " +
          "whole truth for the servers it declares: a tool it does not list (or an entry removed from it) " +
          "loses its risk override and is enabled again if disabled (not if its definition awaits approval). " +
          "A tool its server has not listed yet is configured after the server's catalog sync",
      ),
    toolRisk: z
      .array(z.object({ server: name, tool: z.string().min(1), risk: riskClass }).strict())
      .default([])
      .describe(
        "deprecated: use `tools: [{ server, tool, risk }]`. Still accepted, with the same meaning; " +
          "a tool may not appear both here and under tools:",
      ),
    policies: z
      .array(configPolicy)
      .default([])
      .describe("governance policies (dlp, rate_limit); names are unique across kinds"),
    portals: z
      .array(configPortal)
      .default([])
      .describe("named endpoints /mcp/<portal> exposing chosen servers and tools; grants still decide"),
    oauth: oauthConfig
      .optional()
      .describe("the OAuth authorization server for people's MCP clients (installation-wide)"),
  })
  .strict();
export type ConfigFile = z.infer<typeof configFile>;
