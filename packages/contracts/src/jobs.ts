import { z } from "zod";
import { auditEventSchema } from "./audit";
import { riskClass } from "./snapshot";

/** One queue per concern; job names are stable dotted names. */
export const QUEUES = {
  audit: "audit",
  catalog: "catalog",
  approvals: "approvals",
  /** Housekeeping of the audit table (retention), apart from the busy ingest queue. */
  auditMaintenance: "audit-maintenance",
  /** The scheduled, keyed verification of the audit and admin chains (audit.checkpoint). */
  auditIntegrity: "audit-integrity",
} as const;

export const JOBS = {
  auditIngest: "audit.ingest",
  catalogSync: "catalog.sync",
  connectionTest: "server.connection_test",
  approvalRequest: "approval.request",
  approvalExpire: "approval.expire",
  approvalExecuted: "approval.executed",
  approvalNotify: "approval.notify",
  auditRetention: "audit.retention",
  auditCheckpoint: "audit.checkpoint",
} as const;

/**
 * The gateway batches events; one job carries up to a few hundred. `sink` names the
 * gateway's journal the worker acknowledges the stored batch to (see queues/audit-acks);
 * `mac` authenticates the job (see queues/audit-job-mac): Redis is not a root of trust.
 */
export const auditIngestPayload = z.object({
  events: z.array(auditEventSchema).min(1),
  sink: z
    .string()
    .regex(/^[A-Za-z0-9.]{1,100}$/)
    .optional(),
  mac: z.string().optional(),
});
export type AuditIngestPayload = z.infer<typeof auditIngestPayload>;

/**
 * Re-read one server's tool catalog upstream (the console's "Sync catalog"). The org is
 * carried so a status lookup can refuse another organization's job.
 */
export const catalogSyncPayload = z.object({
  serverId: z.string().min(1),
  orgId: z.string().min(1),
  /** Who asked, for the AdminAuditLog row and the snapshot's `createdBy`. */
  actor: z.object({
    type: z.enum(["cli", "user", "system"]),
    id: z.string().optional(),
    name: z.string().optional(),
  }),
});
export type CatalogSyncPayload = z.infer<typeof catalogSyncPayload>;

/** Progress milestones of a catalog.sync job (BullMQ progress, 0-100). */
export const CATALOG_SYNC_PROGRESS = { connecting: 10, listing: 50, storing: 80, publishing: 100 } as const;

/** What a finished catalog.sync job returns. */
export const catalogSyncResult = z.object({
  added: z.array(z.string()),
  changed: z.array(z.string()),
  removed: z.array(z.string()),
  unchanged: z.number().int(),
  /** The snapshot published because the catalog changed; null when nothing changed. */
  snapshotVersion: z.number().int().nullable(),
});
export type CatalogSyncJobResult = z.infer<typeof catalogSyncResult>;

/**
 * Test a stdio server's connection in the worker (the console never starts a process).
 * On the catalog queue: the worker that syncs stdio catalogs is the one allowed to start them.
 * The spec, credentials and environment included, travels sealed with PORTCULLIS_SECRET_KEY.
 */
export const connectionTestPayload = z.object({
  orgId: z.string().min(1),
  serverId: z.string().min(1),
  sealedSpec: z.string().min(1),
});
export type ConnectionTestPayload = z.infer<typeof connectionTestPayload>;

/** What a connection test answers (no secret: shown to the admin as it is). */
export const connectionTestResult = z.object({
  ok: z.boolean(),
  latencyMs: z.number().nullable(),
  protocolVersion: z.string().nullable(),
  toolCount: z.number().int().nullable(),
  /** The first tool names, so the admin sees they reached the right server. */
  toolNames: z.array(z.string()),
  error: z.string().optional(),
});
export type ConnectionTestResult = z.infer<typeof connectionTestResult>;

// ───────────── approvals (issue 4) ─────────────

/** Why a call waits for a person: the grant or the approval policy that asked for it. */
export const approvalSource = z.object({
  type: z.enum(["grant", "policy"]),
  id: z.string(),
  name: z.string().nullable(),
});
export type ApprovalSource = z.infer<typeof approvalSource>;

/**
 * `approval.request`, enqueued by the gateway that holds the call; the worker persists it
 * (idempotent by `approvalId`, which is also the job id), schedules its expiry and notifies.
 */
export const approvalRequestPayload = z.object({
  approvalId: z.string().min(1),
  orgId: z.string().min(1),
  /** Null: a person's own call through an OAuth client (`client`); `onBehalfOf` names them. */
  agentId: z.string().min(1).nullable(),
  /** The agent's name, or the person's email for a person's call. */
  agentName: z.string(),
  /** The OAuth client a person called through (its id and the name it gave itself). */
  client: z
    .object({ id: z.string().min(1), name: z.string() })
    .nullable()
    .default(null),
  teamId: z.string().nullable(),
  /**
   * The teams whose approvers may decide: the agent's team, or each team of the person whose
   * grant gives them the tool, or of theirs that the holding approval policy's scope names
   * (none when only the person's own grant gives it: owners and admins decide).
   */
  teamIds: z.array(z.string()).default([]),
  /** The key the agent called with: its creator is the person on whose behalf it acts. */
  keyId: z.string().nullable(),
  /** A person the call is made for, when the credential names one (OAuth); else resolved from the key. */
  onBehalfOf: z.string().nullable(),
  serverId: z.string().min(1),
  serverName: z.string(),
  /** The upstream tool name, and the name the agent called. */
  toolName: z.string().min(1),
  exposedName: z.string(),
  toolId: z.string(),
  /** The arguments exactly as they would be sent upstream (after validation and DLP). */
  arguments: z.record(z.string(), z.unknown()),
  /** SHA-256 of their canonical JSON: an approval binds to it. */
  argumentsHash: z.string().regex(/^[0-9a-f]{64}$/),
  riskClass,
  reason: z.string(),
  source: approvalSource,
  /** Argument paths that made the rule ask (shown highlighted to the approver). */
  highlights: z.array(z.string()).default([]),
  requestId: z.string(),
  requestedAt: z.string().datetime(),
  expiresAt: z.string().datetime(),
});
export type ApprovalRequestPayload = z.infer<typeof approvalRequestPayload>;
/** A request before parsing: `client`, `teamIds` and `highlights` may be left out (older gateways). */
export type ApprovalRequestInput = z.input<typeof approvalRequestPayload>;

/** `approval.expire`: delayed until the request's expiry; expires it if nobody decided. */
export const approvalExpirePayload = z.object({ approvalId: z.string().min(1) });
export type ApprovalExpirePayload = z.infer<typeof approvalExpirePayload>;

/** `approval.executed`: the approved call ran (once); records the outcome. */
export const approvalExecutedPayload = z.object({
  approvalId: z.string().min(1),
  isError: z.boolean(),
  requestId: z.string(),
  executedAt: z.string().datetime(),
});
export type ApprovalExecutedPayload = z.infer<typeof approvalExecutedPayload>;

/**
 * `approval.notify`: without `teamId`, fans out one delivery job per distinct webhook URL of
 * the request's teams (those whose approvers may decide it); with it, posts to that team's
 * webhook (retried with backoff, each team on its own).
 */
export const approvalNotifyPayload = z.object({
  approvalId: z.string().min(1),
  event: z.enum(["requested", "decided"]),
  teamId: z.string().min(1).optional(),
});
export type ApprovalNotifyPayload = z.infer<typeof approvalNotifyPayload>;

/** A request's final word, as published to gateways (see `approvalDecisionKey`). */
export const approvalDecisionStatus = z.enum(["approved", "denied", "expired"]);
export type ApprovalDecisionStatus = z.infer<typeof approvalDecisionStatus>;

export const approvalDecisionMessage = z.object({
  approvalId: z.string().min(1),
  status: approvalDecisionStatus,
  /** The hash of the arguments that were approved: the call runs only if its own matches. */
  argumentsHash: z.string(),
  decidedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  comment: z.string().nullable(),
  decidedAt: z.string().datetime(),
});
export type ApprovalDecisionMessage = z.infer<typeof approvalDecisionMessage>;

/**
 * Delete audit events older than `retentionDays` (a repeatable job, hourly). The period
 * travels with the job so each run logs what it applied.
 */
export const auditRetentionPayload = z.object({ retentionDays: z.number().int().min(1) });
export type AuditRetentionPayload = z.infer<typeof auditRetentionPayload>;
