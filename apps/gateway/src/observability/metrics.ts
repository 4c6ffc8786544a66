import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { ERROR_CODES } from "@portcullis/contracts/errors";
import type { AuditSinkStats } from "@portcullis/queues/audit-sink";
import { parseSpoolFileName } from "@portcullis/queues/spool-owners";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { AuditRecorderSink } from "../audit/audit-recorder";
import type { ApprovalStage } from "../pipeline/approval-stage";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";

/**
 * Label values stay bounded: methods come from this list (anything else a client sends is
 * "other"), servers and tools from the snapshot (a name that resolved to no tool is "").
 */
const KNOWN_METHODS = new Set([
  "initialize",
  "ping",
  "server/discover",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "unknown",
  "http/GET",
  "http/DELETE",
]);

const RATE_LIMITED = ERROR_CODES.RATE_LIMITED.jsonrpc;
/** From 0.5 ms (the hot path's target) to a minute (long tool calls, approval waits count apart). */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export interface GatewayMetricsSources {
  snapshot: () => CompiledSnapshot | null;
  audit: () => AuditSinkStats;
  spoolDir: string;
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways may run in
 * one test process). Request metrics are read off each request's audit event, which
 * already holds everything they need, so the pipeline carries no metrics code.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<"method">;
  private readonly upstreamDuration: Histogram<"server">;
  private readonly upstreamErrors: Counter<"server" | "kind">;
  private readonly rateLimited: Counter<"server">;
  private readonly approvalsWaiting: Gauge;
  /**
   * Requests not yet added to portcullis_gateway_requests_total, per label set: prom-client hashes and checks a
   * label object on every `inc`, a cost paid per request; the scrape pays it once per series.
   */
  private readonly requestCounts = new Map<
    string,
    { labels: Record<"method" | "server" | "tool" | "decision", string>; pending: number }
  >();

  constructor(sources: GatewayMetricsSources, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const requestCounts = this.requestCounts;
    new Counter({
      name: "portcullis_gateway_requests_total",
      help: "MCP requests handled, by method, server, tool and audit decision",
      labelNames: ["method", "server", "tool", "decision"],
      registers,
      collect() {
        // Requests are counted in plain numbers per label set (observe); a scrape adds them here.
        for (const series of requestCounts.values()) {
          if (series.pending === 0) continue;
          this.inc(series.labels, series.pending);
          series.pending = 0;
        }
      },
    });
    this.duration = new Histogram({
      name: "portcullis_gateway_request_duration_seconds",
      help: "Time from receiving an MCP request to its audit event (approval waits included)",
      labelNames: ["method"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: "portcullis_gateway_upstream_duration_seconds",
      help: "Time spent in the upstream call of a tools/call",
      labelNames: ["server"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.upstreamErrors = new Counter({
      name: "portcullis_gateway_upstream_errors_total",
      help: "Upstream calls that failed, by kind: timeout, unavailable, rpc_error, tool_error",
      labelNames: ["server", "kind"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "portcullis_gateway_rate_limit_refusals_total",
      help: "Calls refused by a rate limit or quota",
      labelNames: ["server"],
      registers,
    });
    this.approvalsWaiting = new Gauge({
      name: "portcullis_gateway_approvals_waiting",
      help: "Calls held now, waiting for a person's approval",
      registers,
    });
    new Gauge({
      name: "portcullis_gateway_snapshot_version",
      help: "Version of the configuration snapshot being served (-1: none loaded)",
      registers,
      // Across cluster workers: the oldest version any of them serves.
      aggregator: "min",
      collect() {
        this.set(sources.snapshot()?.version ?? -1);
      },
    });
    new Gauge({
      name: "portcullis_gateway_snapshot_age_seconds",
      help: "Seconds since the served snapshot was compiled (a growing age: no publications arrive)",
      registers,
      aggregator: "max",
      collect() {
        const snap = sources.snapshot();
        if (snap) this.set((Date.now() - Date.parse(snap.doc.createdAt)) / 1000);
      },
    });
    new Gauge({
      name: "portcullis_gateway_audit_buffered_events",
      help: "Audit events in memory, waiting for their batch to be enqueued",
      registers,
      collect() {
        this.set(sources.audit().buffered);
      },
    });
    new Gauge({
      name: "portcullis_gateway_audit_unacked_events",
      help: "Audit events enqueued and kept in the local journal until the worker acknowledges them as stored",
      registers,
      collect() {
        this.set(sources.audit().unacked);
      },
    });
    const cumulative = (name: string, help: string, read: (s: AuditSinkStats) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          // The sink keeps the running total; a counter is set from it at each scrape.
          this.reset();
          this.inc(read(sources.audit()));
        },
      });
    cumulative(
      "portcullis_gateway_audit_enqueued_events_total",
      "Audit events put in the queue",
      (s) => s.enqueued,
    );
    cumulative(
      "portcullis_gateway_audit_resent_events_total",
      "Audit events sent again from the journal (ack overdue, e.g. Redis lost the queue, or a gone gateway's journal)",
      (s) => s.resent,
    );
    cumulative(
      "portcullis_gateway_audit_spooled_events_total",
      "Audit events written to the disk spool because Redis did not answer",
      (s) => s.spooled,
    );
    cumulative(
      "portcullis_gateway_audit_replayed_events_total",
      "Audit events moved from the disk spool back into the queue",
      (s) => s.replayed,
    );
    new Gauge({
      name: "portcullis_gateway_audit_spool_bytes",
      help: "Bytes of audit events waiting in the disk spool (non-zero: Redis was or is unreachable)",
      registers,
      // Cluster workers share the spool directory: each reads the same total.
      aggregator: "max",
      async collect() {
        this.set(await spoolBytes(sources.spoolDir));
      },
    });
  }

  /** Counts one request from its audit event. */
  observe(event: AuditEvent): void {
    const method = KNOWN_METHODS.has(event.method) ? event.method : "other";
    // A tool name counts only when it resolved to a server's tool (else it is client input).
    const server = event.serverName ?? "";
    const tool = event.serverName ? (event.toolName ?? "") : "";
    const key = `${method}\0${server}\0${tool}\0${event.decision}`;
    const series = this.requestCounts.get(key);
    if (series) series.pending++;
    else
      this.requestCounts.set(key, { labels: { method, server, tool, decision: event.decision }, pending: 1 });
    this.duration.observe({ method }, event.latencyMs / 1000);
    if (event.upstreamLatencyMs !== null)
      this.upstreamDuration.observe({ server }, event.upstreamLatencyMs / 1000);
    const kind = upstreamErrorKind(event.upstreamStatus);
    if (kind) this.upstreamErrors.inc({ server, kind });
    if (event.errorCode === RATE_LIMITED) this.rateLimited.inc({ server });
  }

  /** The audit sink the pipeline records into, counting each event on its way. */
  countingSink(sink: AuditRecorderSink): AuditRecorderSink {
    return {
      record: (event) => {
        sink.record(event);
        this.observe(event);
      },
    };
  }

  /** The approval stage with the waiting gauge kept around each wait. */
  countingApprovals(stage: ApprovalStage): ApprovalStage {
    const gauge = this.approvalsWaiting;
    return {
      async awaitDecision(...args) {
        gauge.inc();
        try {
          return await stage.awaitDecision(...args);
        } finally {
          gauge.dec();
        }
      },
      markExecuted: (id, outcome) => stage.markExecuted(id, outcome),
      close: () => stage.close(),
    };
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

function upstreamErrorKind(status: string | null): string | null {
  if (status === null || status === "ok" || status.startsWith("not_called")) return null;
  if (status.startsWith("rpc_error")) return "rpc_error";
  return status; // timeout, unavailable, tool_error
}

async function spoolBytes(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0; // no spool directory yet: nothing was ever spooled
  }
  // Spool files only (owner markers and quarantined `.bad` lines are not waiting events).
  const spoolFiles = names.filter((n) => parseSpoolFileName(n) !== undefined);
  const sizes = await Promise.all(
    spoolFiles.map((n) =>
      stat(join(dir, n)).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
