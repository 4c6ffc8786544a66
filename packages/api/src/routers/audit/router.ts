import { auditDecision, dlpFinding } from "@portcullis/contracts/audit";
import { getAuditDashboard } from "@portcullis/control/audit/audit-dashboard";
import { verifyAuditChain } from "@portcullis/control/audit/chain/verify-audit-chain";
import { auditIntegrityStatus } from "@portcullis/control/audit/checkpoints/integrity-status";
import { getAuditEvent } from "@portcullis/control/audit/get-audit-event";
import { MAX_AUDIT_PAGE, searchAuditEvents } from "@portcullis/control/audit/search-audit-events";
import { listUnmatchedSearches } from "@portcullis/control/audit/unmatched-searches";
import { z } from "zod";
import { permissionProcedure, router } from "../../trpc";
import { auditFilterFields, withAuditFilterChecks } from "./filter-input";

const read = permissionProcedure("audit.read");

/** Events the default chain check covers, newest first (a few seconds at most). */
export const QUICK_CHECK = 100_000;

const decision = z.union([auditDecision, z.string()]);

const record = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  occurredAt: z.date(),
  ingestedAt: z.date(),
  requestId: z.string(),
  method: z.string(),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  teamId: z.string().nullable(),
  userId: z.string().nullable(),
  serverId: z.string().nullable(),
  serverName: z.string().nullable(),
  toolName: z.string().nullable(),
  decision,
  reason: z.string().nullable(),
  errorCode: z.number().int().nullable(),
  arguments: z.unknown(),
  resultSummary: z.string().nullable(),
  isError: z.boolean(),
  latencyMs: z.number(),
  upstreamLatencyMs: z.number().nullable(),
  upstreamStatus: z.string().nullable(),
  protocolVersion: z.string().nullable(),
  dlp: z.array(dlpFinding.partial().extend({ detector: z.string() })).nullable(),
  approvalId: z.string().nullable(),
  portal: z.string().nullable(),
  parentId: z.string().nullable(),
  /** The agent key the request authenticated with (null before keys were recorded). */
  keyId: z.string().nullable().optional(),
  snapshotVersion: z.number().int().nullable(),
  chainSeq: z.number().int().nullable(),
  prevHash: z.string().nullable(),
  hash: z.string().nullable(),
});

/** A search result row: the record's identifying and outcome fields, plus a preview. */
const summary = record
  .pick({
    id: true,
    occurredAt: true,
    method: true,
    agentId: true,
    agentName: true,
    teamId: true,
    userId: true,
    serverId: true,
    serverName: true,
    toolName: true,
    decision: true,
    reason: true,
    errorCode: true,
    isError: true,
    latencyMs: true,
    upstreamStatus: true,
  })
  .extend({ resultPreview: z.string().nullable(), detectors: z.array(z.string()) });

const counts = { total: z.number(), denied: z.number(), errors: z.number() };
const reasonCount = z.object({ reason: z.string(), count: z.number() });

const dashboard = z.object({
  from: z.date(),
  to: z.date(),
  bucketSeconds: z.number(),
  totals: z.object(counts),
  buckets: z.array(z.object({ start: z.date(), ...counts })),
  denialsByReason: z.array(reasonCount),
  errorsByReason: z.array(reasonCount),
  latencyByServer: z.array(
    z.object({
      serverId: z.string(),
      serverName: z.string().nullable(),
      calls: z.number(),
      p50Ms: z.number(),
      p95Ms: z.number(),
    }),
  ),
  topTools: z.array(
    z.object({ toolName: z.string(), calls: z.number(), denied: z.number(), errors: z.number() }),
  ),
  topAgents: z.array(
    z.object({
      agentId: z.string(),
      agentName: z.string().nullable(),
      calls: z.number(),
      denied: z.number(),
      errors: z.number(),
    }),
  ),
});

/** The audit log of the caller's organization: search, one event, the dashboard, chain verification. */
export const auditRouter = router({
  /** Events matching the filters, newest first, keyset-paginated (`cursor` = previous `nextCursor`). */
  search: read
    .input(
      withAuditFilterChecks(
        auditFilterFields.extend({
          cursor: z.string().max(1000).nullish(),
          limit: z.number().int().min(1).max(MAX_AUDIT_PAGE).optional(),
        }),
      ),
    )
    .output(z.object({ items: z.array(summary), nextCursor: z.string().nullable() }))
    .query(({ ctx, input: { cursor, limit, ...filter } }) =>
      searchAuditEvents(ctx.db, { orgId: ctx.org.id }, filter, {
        ...(cursor && { cursor }),
        ...(limit !== undefined && { limit }),
      }),
    ),

  /** One event with every field; its arguments as recorded (already redacted by the gateway's DLP). */
  get: read
    .input(z.object({ id: z.string().min(1).max(200) }))
    .output(record)
    .query(({ ctx, input }) => getAuditEvent(ctx.db, ctx.org.id, input.id)),

  /** Requests over time, denials and errors by reason, latency by server, busiest tools and agents. */
  dashboard: read
    .input(z.object({ from: z.date(), to: z.date(), portal: z.string().trim().min(1).max(64).optional() }))
    .output(dashboard)
    .query(({ ctx, input }) => getAuditDashboard(ctx.db, ctx.org.id, input)),

  /** `search_tools` queries that found no tool in the range, most frequent first (issue 13). */
  unmatchedSearches: read
    .input(z.object({ from: z.date(), to: z.date() }))
    .output(
      z.array(
        z.object({
          query: z.string(),
          count: z.number().int(),
          lastAt: z.date(),
          agentName: z.string().nullable(),
        }),
      ),
    )
    .query(({ ctx, input }) => listUnmatchedSearches(ctx.db, ctx.org.id, input)),

  /**
   * Checks the organization's audit hash chain: edited, deleted or reordered events break
   * it. The newest QUICK_CHECK events by default (a page load must not read a million
   * rows); `{ all: true }` checks every event.
   */
  verifyChain: read
    .input(z.object({ all: z.boolean().optional() }).optional())
    .output(
      z.object({
        ok: z.boolean(),
        checked: z.number().int(),
        complete: z.boolean(),
        firstBrokenId: z.string().optional(),
        headHash: z.string().optional(),
      }),
    )
    .query(({ ctx, input }) => verifyAuditChain(ctx.db, ctx.org.id, input?.all ? {} : { last: QUICK_CHECK })),

  /**
   * The worker's keyed verdict on the organization's audit and admin chains: the newest
   * HMAC checkpoint (intact or broken, with why) and the last one that found the chain
   * intact. Empty verdicts (`checkedAt: null`) until a worker with PORTCULLIS_SECRET_KEY ran.
   */
  integrity: read
    .output(
      z.array(
        z.object({
          chain: z.enum(["audit", "admin"]),
          checkedAt: z.date().nullable(),
          ok: z.boolean().nullable(),
          detail: z.string().nullable(),
          firstBrokenId: z.string().nullable(),
          lastVerified: z.object({ at: z.date(), headSeq: z.number(), checked: z.number() }).nullable(),
        }),
      ),
    )
    .query(({ ctx }) => auditIntegrityStatus(ctx.db, ctx.org.id)),
});
