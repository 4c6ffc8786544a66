import { z } from "zod";
import { toolExposure } from "./exposure";
import { snapshotPortal } from "./portal";

/**
 * The config snapshot: the one contract between the control plane and the gateway.
 * A self-contained document with everything the gateway needs to decide a call.
 * `schemaVersion` changes only on incompatible shape changes; the gateway refuses a
 * document it cannot parse and keeps serving the last good one.
 */
export const SNAPSHOT_SCHEMA_VERSION = 1;

export const transportKind = z.enum(["streamable-http", "sse", "stdio"]);
export type TransportKind = z.infer<typeof transportKind>;

export const riskClass = z.enum(["read", "write", "destructive"]);
export type RiskClass = z.infer<typeof riskClass>;

export const grantEffect = z.enum(["allow", "approve", "deny"]);
export type GrantEffect = z.infer<typeof grantEffect>;

export const snapshotAgent = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  teamId: z.string(),
  teamName: z.string(),
  status: z.enum(["active", "disabled"]),
  /** How tools reach this agent's context; null or absent (older snapshots) inherits, then `full`. */
  exposure: toolExposure.nullish(),
});
export type SnapshotAgent = z.infer<typeof snapshotAgent>;

/** A person of the organization (a member), with the teams whose grants apply to them. */
export const snapshotPerson = z.object({
  id: z.string(),
  orgId: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  teamIds: z.array(z.string()),
  status: z.enum(["active", "suspended"]),
});
export type SnapshotPerson = z.infer<typeof snapshotPerson>;

/** Only live keys are published: a revoked key is simply absent. */
export const snapshotKey = z.object({
  id: z.string(),
  agentId: z.string(),
  /** SHA-256 hex of the full key. */
  hash: z.string(),
  expiresAt: z.string().datetime().nullable(),
});
export type SnapshotKey = z.infer<typeof snapshotKey>;

export const snapshotServer = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  transport: transportKind,
  url: z.string().nullable(),
  command: z.string().nullable(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()).nullable(),
  /** stdio: false starts the server without network access (bubblewrap sandbox). Absent in older snapshots: true. */
  network: z.boolean().default(true),
  /** May ask the agent's user for input during a call (elicitation, form and URL mode). Absent: true. */
  allowElicitation: z.boolean().default(true),
  /** May ask the agent's client to sample its model during a call. Absent: false. */
  allowSampling: z.boolean().default(false),
  /** Sealed (AES-256-GCM) upstream credentials; the gateway opens them with its key. */
  secrets: z.string().nullable(),
  timeoutMs: z.number().int().positive(),
  status: z.enum(["active", "disabled"]),
});
export type SnapshotServer = z.infer<typeof snapshotServer>;

/** MCP `Tool.execution` (2025-11-25): unknown keys kept, an unknown taskSupport read as absent. */
export const toolExecution = z.looseObject({
  taskSupport: z.enum(["forbidden", "optional", "required"]).optional().catch(undefined),
});
export type ToolExecution = z.infer<typeof toolExecution>;

export const snapshotTool = z.object({
  id: z.string(),
  serverId: z.string(),
  upstreamName: z.string(),
  exposedName: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).nullable(),
  annotations: z.record(z.string(), z.unknown()).nullable(),
  /**
   * The tool's MCP `execution` field as its server lists it (`taskSupport`: whether it may or
   * must be called as a 2025-11-25 task). Absent in older snapshots and in previews.
   */
  execution: toolExecution.nullable().optional(),
  /** MCP Apps: the `ui://` resource the tool's `_meta` names (readable by agents granted the tool). */
  uiResourceUri: z.string().nullable().optional(),
  riskClass: riskClass,
  status: z.enum(["active", "disabled", "quarantined", "removed"]),
  /** Quarantined as a new tool (first listed after its server's first sync), for the refusal's message. */
  newTool: z.boolean().optional(),
  definitionHash: z.string(),
});
export type SnapshotTool = z.infer<typeof snapshotTool>;

export const snapshotGrant = z.object({
  id: z.string(),
  orgId: z.string(),
  teamId: z.string().nullable(),
  agentId: z.string().nullable(),
  /** A grant naming a person (exactly one of teamId, agentId, userId). Absent in older snapshots. */
  userId: z.string().nullable().default(null),
  serverId: z.string(),
  toolPattern: z.string(),
  effect: grantEffect,
  approvalTimeoutSec: z.number().int().positive().nullable(),
  reason: z.string().nullable(),
  /**
   * Argument condition of an `approve` grant (contracts/approval-policy.ts): only calls
   * whose arguments match wait for approval. Checked where it is evaluated, not here, so
   * one bad condition cannot make the whole snapshot unusable (it then fails closed).
   */
  condition: z.unknown().optional(),
});
export type SnapshotGrant = z.infer<typeof snapshotGrant>;

/** What a grant on a server's resources or prompts may do: they are read, never held for approval. */
export const itemGrantEffect = z.enum(["allow", "deny"]);
export type ItemGrantEffect = z.infer<typeof itemGrantEffect>;

/**
 * A grant on a server's resources (`pattern` matches the resource URI) or prompts (`pattern`
 * matches the upstream prompt name), with the glob syntax of tool patterns. Tool grants
 * never expose resources or prompts: an agent reads a resource or gets a prompt only through
 * one of these (default deny; deny wins over allow).
 */
export const snapshotItemGrant = z.object({
  id: z.string(),
  orgId: z.string(),
  teamId: z.string().nullable(),
  agentId: z.string().nullable(),
  /** A grant naming a person. Absent in older snapshots. */
  userId: z.string().nullable().default(null),
  serverId: z.string(),
  pattern: z.string(),
  effect: itemGrantEffect,
  reason: z.string().nullable(),
});
export type SnapshotItemGrant = z.infer<typeof snapshotItemGrant>;

/**
 * Scope of a policy, by id; an empty list means "all". A policy applies to a call when
 * every non-empty list contains the call's team / agent / server / tool / person (`users`:
 * only calls made for one of these people, through OAuth).
 */
export const policyScope = z.object({
  teams: z.array(z.string()).default([]),
  agents: z.array(z.string()).default([]),
  servers: z.array(z.string()).default([]),
  tools: z.array(z.string()).default([]),
  /** Absent (older scopes, and most): every caller, as an empty list. */
  users: z.array(z.string()).optional(),
});
export type PolicyScope = z.infer<typeof policyScope>;

export const policyKind = z.enum(["dlp", "rate_limit", "approval", "risk"]);
export type PolicyKind = z.infer<typeof policyKind>;

/**
 * A governance policy. `config` is kind-specific and validated by that kind's schema
 * (contracts/dlp-policy.ts, contracts/rate-limit-policy.ts …) where it is written and
 * again where the gateway compiles it; an invalid policy is skipped, never half-applied.
 */
export const snapshotPolicy = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  kind: policyKind,
  priority: z.number().int(),
  scope: policyScope,
  config: z.record(z.string(), z.unknown()),
});
export type SnapshotPolicy = z.infer<typeof snapshotPolicy>;

export const configSnapshot = z.object({
  schemaVersion: z.literal(SNAPSHOT_SCHEMA_VERSION),
  version: z.number().int().nonnegative(),
  createdAt: z.string().datetime(),
  agents: z.array(snapshotAgent),
  keys: z.array(snapshotKey),
  servers: z.array(snapshotServer),
  tools: z.array(snapshotTool),
  /** Tool grants only (resources and prompts have their own lists below). */
  grants: z.array(snapshotGrant),
  /** Grants on resources, by URI pattern. Absent in older snapshots: no resource is served. */
  resourceGrants: z.array(snapshotItemGrant).default([]),
  /** Grants on prompts, by prompt-name pattern. Absent in older snapshots: no prompt is served. */
  promptGrants: z.array(snapshotItemGrant).default([]),
  /** Enabled policies only, ordered by priority (lower first) then id. */
  policies: z.array(snapshotPolicy).default([]),
  /** Portals (`/mcp/<portal>`, contracts/portal.ts). Absent in older snapshots: none. */
  portals: z.array(snapshotPortal).default([]),
  people: z.array(snapshotPerson).default([]),
  /**
   * OAuth grants (one per person and client connection) revoked in the console while their
   * access tokens may still be live: gateways refuse tokens of these grants. Absent: none.
   */
  revokedOAuthGrants: z.array(z.string()).default([]),
});
export type ConfigSnapshot = z.infer<typeof configSnapshot>;

export function emptySnapshot(version = 0): ConfigSnapshot {
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    version,
    createdAt: new Date(0).toISOString(),
    agents: [],
    keys: [],
    servers: [],
    tools: [],
    grants: [],
    resourceGrants: [],
    promptGrants: [],
    policies: [],
    portals: [],
    people: [],
    revokedOAuthGrants: [],
  };
}

/** Exposed tool names are `<server>__<tool>`; the separator is reserved in server names. */
export const TOOL_NAME_SEPARATOR = "__";

export function exposedToolName(serverName: string, toolName: string): string {
  return `${serverName}${TOOL_NAME_SEPARATOR}${toolName}`;
}
