import type { Tx } from "../db";
import type { AuditEventRecord } from "./audit-event-record";
import type { AuditEventFilter, AuditScope } from "./audit-filter";
import { listAuditRecords } from "./list-audit-records";

export const AUDIT_EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export const AUDIT_EXPORT_CONTENT_TYPES: Record<AuditExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  jsonl: "application/jsonl; charset=utf-8",
};

const PAGE_SIZE = 500;

/** CSV columns, in order: a header and how to read the cell from a record. */
const CSV_COLUMNS: Array<[header: string, cell: (e: AuditEventRecord) => unknown]> = [
  ["occurred_at", (e) => e.occurredAt.toISOString()],
  ["id", (e) => e.id],
  ["request_id", (e) => e.requestId],
  ["method", (e) => e.method],
  ["agent_id", (e) => e.agentId],
  ["agent_name", (e) => e.agentName],
  ["team_id", (e) => e.teamId],
  ["user_id", (e) => e.userId],
  ["server_id", (e) => e.serverId],
  ["server_name", (e) => e.serverName],
  ["tool_name", (e) => e.toolName],
  ["decision", (e) => e.decision],
  ["reason", (e) => e.reason],
  ["error_code", (e) => e.errorCode],
  ["is_error", (e) => e.isError],
  ["latency_ms", (e) => e.latencyMs],
  ["upstream_latency_ms", (e) => e.upstreamLatencyMs],
  ["upstream_status", (e) => e.upstreamStatus],
  ["dlp_detectors", (e) => [...new Set((e.dlp ?? []).map((f) => f.detector))].join(" ")],
  ["arguments", (e) => (e.arguments === null ? null : JSON.stringify(e.arguments))],
  ["result_summary", (e) => e.resultSummary],
  ["protocol_version", (e) => e.protocolVersion],
  ["snapshot_version", (e) => e.snapshotVersion],
  ["ingested_at", (e) => e.ingestedAt.toISOString()],
  ["chain_seq", (e) => e.chainSeq],
  ["hash", (e) => e.hash],
];

/**
 * The audit events matching `filter`, newest first, as CSV (RFC 4180, with a header row)
 * or JSON Lines (one event per line, every column), yielded a page at a time: memory stays
 * constant however many events match, and a slow reader slows the queries down rather
 * than filling a buffer.
 */
export async function* exportAuditEvents(
  db: Tx,
  scope: AuditScope,
  filter: AuditEventFilter,
  format: AuditExportFormat,
): AsyncGenerator<string> {
  if (format === "csv") yield csvLine(CSV_COLUMNS.map(([header]) => header));
  let cursor: string | undefined;
  do {
    const page = await listAuditRecords(db, scope, filter, { limit: PAGE_SIZE, ...(cursor && { cursor }) });
    if (page.items.length > 0) {
      yield page.items
        .map((event) =>
          format === "csv"
            ? csvLine(CSV_COLUMNS.map(([, cell]) => cell(event)))
            : `${JSON.stringify(event)}\n`,
        )
        .join("");
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** One CSV record, CRLF-terminated as RFC 4180 asks. */
export function csvLine(cells: unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/**
 * A CSV field: quoted when it holds a quote, comma or line break (quotes doubled). Text
 * that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
 * apostrophe: arguments come from agents, and an export must not execute them.
 */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** `audit-2026-11-24T10-15-00Z.csv`: a download name that sorts by time. */
export function auditExportFileName(format: AuditExportFormat, now = new Date()): string {
  return `audit-${now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-")}.${format}`;
}
