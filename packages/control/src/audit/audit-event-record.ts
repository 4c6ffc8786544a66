import type { DlpFinding } from "@portcullis/contracts/audit";
import { Prisma } from "@portcullis/db/client";

/** One stored audit event, every column, as the detail view and the export show it. */
export interface AuditEventRecord {
  id: string;
  orgId: string | null;
  occurredAt: Date;
  ingestedAt: Date;
  requestId: string;
  method: string;
  agentId: string | null;
  agentName: string | null;
  teamId: string | null;
  userId: string | null;
  serverId: string | null;
  serverName: string | null;
  toolName: string | null;
  decision: string;
  reason: string | null;
  errorCode: number | null;
  /** As the gateway recorded them: already redacted by its DLP stage. */
  arguments: unknown;
  resultSummary: string | null;
  isError: boolean;
  latencyMs: number;
  upstreamLatencyMs: number | null;
  upstreamStatus: string | null;
  protocolVersion: string | null;
  dlp: DlpFinding[] | null;
  approvalId: string | null;
  /** The `execute` event this tool call ran inside (code mode); null for a direct call. */
  parentId: string | null;
  /** The agent key the request authenticated with. */
  keyId: string | null;
  snapshotVersion: number | null;
  /** The portal (`/mcp/<portal>`) the request came through; null: the default `/mcp`. */
  portal: string | null;
  /** Position in the organization's hash chain; null for events stored before chaining. */
  chainSeq: number | null;
  prevHash: string | null;
  hash: string | null;
}

/** The select list of an AuditEventRecord over audit_events aliased `e`. */
export const RECORD_COLUMNS = Prisma.sql`
  e.id, e.org_id AS "orgId", e.occurred_at AS "occurredAt", e.ingested_at AS "ingestedAt",
  e.request_id AS "requestId", e.method, e.agent_id AS "agentId", e.agent_name AS "agentName",
  e.team_id AS "teamId", e.user_id AS "userId", e.server_id AS "serverId", e.server_name AS "serverName",
  e.tool_name AS "toolName", e.decision, e.reason, e.error_code AS "errorCode", e.arguments,
  e.result_summary AS "resultSummary", e.is_error AS "isError", e.latency_ms AS "latencyMs",
  e.upstream_latency_ms AS "upstreamLatencyMs", e.upstream_status AS "upstreamStatus",
  e.protocol_version AS "protocolVersion", e.dlp, e.approval_id AS "approvalId", e.parent_id AS "parentId",
  e.key_id AS "keyId", e.snapshot_version AS "snapshotVersion", e.portal, e.chain_seq AS "chainSeq",
  e.prev_hash AS "prevHash", e.hash`;

/** A raw row of RECORD_COLUMNS: chain_seq arrives as a bigint. */
export type RawRecord = Omit<AuditEventRecord, "chainSeq"> & { chainSeq: bigint | null };

export function toRecord(row: RawRecord): AuditEventRecord {
  return { ...row, chainSeq: row.chainSeq === null ? null : Number(row.chainSeq) };
}
