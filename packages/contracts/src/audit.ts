import { z } from "zod";

/**
 * What the gateway decided about one MCP request.
 * - allowed: forwarded upstream (the upstream may still have returned an error result)
 * - denied: refused by policy (no grant, deny grant, disabled agent…)
 * - invalid: refused before policy (unknown tool, invalid arguments, malformed request)
 * - unauthenticated: no or bad credentials
 * - error: the gateway or the upstream failed (timeout, unreachable)
 */
export const auditDecision = z.enum(["allowed", "denied", "invalid", "unauthenticated", "error"]);
export type AuditDecision = z.infer<typeof auditDecision>;

/** Where a DLP detector fired. The matched value itself is never recorded. */
export const dlpFinding = z.object({
  detector: z.string(),
  direction: z.enum(["arguments", "result"]),
  /** JSON path of the field (`$.arguments.body`, `$.content[0].text`). */
  path: z.string(),
  action: z.enum(["block", "redact", "log"]),
  policyId: z.string().nullable(),
});
export type DlpFinding = z.infer<typeof dlpFinding>;

export const auditEventSchema = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  occurredAt: z.string().datetime(),
  requestId: z.string(),
  method: z.string(),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  teamId: z.string().nullable(),
  userId: z.string().nullable(),
  serverId: z.string().nullable(),
  serverName: z.string().nullable(),
  toolName: z.string().nullable(),
  decision: auditDecision,
  reason: z.string().nullable(),
  errorCode: z.number().int().nullable(),
  arguments: z.unknown().nullable(),
  resultSummary: z.string().nullable(),
  isError: z.boolean(),
  latencyMs: z.number().nonnegative(),
  upstreamLatencyMs: z.number().nonnegative().nullable(),
  upstreamStatus: z.string().nullable(),
  protocolVersion: z.string().nullable(),
  snapshotVersion: z.number().int().nullable(),
  /** DLP detectors that fired on this request (absent when none did). */
  dlp: z.array(dlpFinding).nullable().optional(),
  /** The approval request this call waited for, when its grant required approval. */
  approvalId: z.string().nullable().optional(),
  /** The portal (`/mcp/<portal>`) the request came through; absent or null: the default `/mcp`. */
  portal: z.string().nullable().optional(),
  /** The event of the request this call ran inside (a tool call made by code mode's `execute`). */
  parentId: z.string().nullable().optional(),
  /** The agent key the request authenticated with (`key_…`), when it did. */
  keyId: z.string().nullable().optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** Result summaries are capped so one huge tool result cannot bloat the audit table. */
export const RESULT_SUMMARY_MAX = 2000;
