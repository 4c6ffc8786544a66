import { type AuditEvent, RESULT_SUMMARY_MAX } from "@portcullis/contracts/audit";
import { type Db, withSqlClient } from "@portcullis/db/client";
import { type AuditEventRow, appendBatch, ChainRaceError } from "./chain/append-to-chain";

export interface IngestAuditEventsResult {
  /** Rows written; events already stored (a retried job, a replayed spool) are not counted. */
  inserted: number;
  /** Events whose organization does not exist (any more), stored with `orgId` null. */
  detached: number;
}

/** A concurrent delivery of the same event can force a retry of the whole batch; a few suffice. */
const MAX_ATTEMPTS = 3;
/**
 * Names and ids are cut to this many characters: several are index keys, and Postgres
 * refuses an index entry over about 2.7 kB, which would fail the whole batch. (A client
 * chooses the method and tool name it sends; the gateway records them as sent.)
 */
const NAME_MAX = 256;
const REASON_MAX = 2000;
const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

/**
 * Writes a batch of audit events, idempotent by event id: a retried job or a replayed
 * spool never duplicates a row, and never breaks or forks the hash chain.
 *
 * Each event is appended to its organization's hash chain (events without a known
 * organization to the chain of orphans), see ./chain. Appends to one chain are serialized
 * by a transaction-scoped advisory lock, and the check for already stored events runs
 * under that lock, so concurrent batches (several workers, retries) form one unbroken chain.
 * The whole batch is one transaction sent in one round trip (chain/append-to-chain.ts).
 *
 * Nothing in one event may make Postgres refuse the whole batch (the job would be retried
 * until it fails for good, taking 199 good events with it), so rows are made safe first:
 * an unknown organization becomes `orgId: null` (the event is kept, as an orphan), NUL
 * characters (which Postgres text and jsonb refuse) become U+FFFD and so do lone UTF-16
 * surrogates, integers outside Postgres' int4 become null, names are cut to NAME_MAX
 * characters (index keys), and the result summary to RESULT_SUMMARY_MAX.
 */
export async function ingestAuditEvents(db: Db, events: AuditEvent[]): Promise<IngestAuditEventsResult> {
  if (events.length === 0) return { inserted: 0, detached: 0 };
  const ingestedAt = new Date().toISOString();
  const rows = firstOfEachId(events).map((event) => toRow(event, ingestedAt));
  for (let attempt = 1; ; attempt++) {
    try {
      return await withSqlClient(db, (client) => appendBatch(client, rows));
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && error instanceof ChainRaceError) continue;
      throw error;
    }
  }
}

function firstOfEachId(events: AuditEvent[]): AuditEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => !seen.has(e.id) && Boolean(seen.add(e.id)));
}

function toRow(event: AuditEvent, ingestedAt: string): AuditEventRow {
  return {
    id: text(event.id),
    // Resolved by Postgres under the organization's lock: an unknown one stores null.
    org_id: event.orgId === null ? null : text(event.orgId),
    occurred_at: new Date(event.occurredAt).toISOString(),
    ingested_at: ingestedAt,
    request_id: name(event.requestId),
    method: name(event.method),
    agent_id: nullableName(event.agentId),
    agent_name: nullableName(event.agentName),
    team_id: nullableName(event.teamId),
    user_id: nullableName(event.userId),
    server_id: nullableName(event.serverId),
    server_name: nullableName(event.serverName),
    tool_name: nullableName(event.toolName),
    decision: event.decision,
    reason: event.reason === null ? null : truncate(text(event.reason), REASON_MAX),
    error_code: int4(event.errorCode),
    // JSON null and absent arguments are both stored as SQL NULL.
    arguments: event.arguments === undefined ? null : safeJson(event.arguments),
    result_summary:
      event.resultSummary === null ? null : truncate(text(event.resultSummary), RESULT_SUMMARY_MAX),
    is_error: event.isError,
    latency_ms: event.latencyMs,
    upstream_latency_ms: event.upstreamLatencyMs,
    upstream_status: nullableName(event.upstreamStatus),
    protocol_version: nullableName(event.protocolVersion),
    dlp: event.dlp && event.dlp.length > 0 ? safeJson(event.dlp) : null,
    approval_id: nullableName(event.approvalId ?? null),
    snapshot_version: int4(event.snapshotVersion),
    portal: nullableName(event.portal ?? null),
    parent_id: nullableName(event.parentId ?? null),
    key_id: nullableName(event.keyId ?? null),
  };
}

/** Text Postgres stores as given: no NUL, no lone surrogate (which UTF-8 cannot encode). */
function text(value: string): string {
  // Most strings hold neither: a cheap test first (this runs for every field of every event).
  if (!MAYBE_UNSAFE.test(value)) return value;
  // In a unicode-mode regex a surrogate pair is one code point: \p{Cs} matches only lone halves.
  return value.replace(/\0|\p{Cs}/gu, "\uFFFD");
}

/** NUL or any surrogate half (paired ones too: the replace above sorts them out). */
const MAYBE_UNSAFE = /[\0\uD800-\uDFFF]/;

function name(value: string): string {
  return truncate(text(value), NAME_MAX);
}

function nullableName(value: string | null): string | null {
  return value === null ? null : name(value);
}

function int4(value: number | null): number | null {
  return value !== null && value >= INT4_MIN && value <= INT4_MAX ? value : null;
}

/** Cuts to `max` characters, marking the cut, without splitting a surrogate pair. */
function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/**
 * Makes every string (keys too) of a JSON value acceptable to jsonb, which refuses NUL
 * and lone surrogates (JSON.stringify writes both as \u escapes). Walks only when needed.
 */
function safeJson(value: unknown): unknown {
  if (!/\\u0000|\\ud[89a-f]/i.test(JSON.stringify(value))) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [text(k), walk(inner)]));
    }
    return v;
  };
  return walk(value);
}
