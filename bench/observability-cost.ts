/**
 * What metrics and tracing add to one MCP request on the gateway's hot path, in-process:
 * the metrics counted from a request's audit event (always on), and — with tracing on — the
 * request span plus its four child spans (rate limit, DLP ×2, upstream call) created and
 * handed to the batch exporter (sending to a local OTLP receiver). Tracing off costs nothing:
 * the gateway then wires none of it.
 *
 *   pnpm exec tsx bench/observability-cost.ts   (env: BENCH_CALLS=50000)
 */
import type { IncomingMessage } from "node:http";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { startOtlpReceiver } from "@portcullis/testkit/otlp-receiver";
import { GatewayMetrics } from "../apps/gateway/src/observability/metrics";
import { GatewayTracing } from "../apps/gateway/src/observability/tracing";
import type { CallToolStages } from "../apps/gateway/src/pipeline/call-tool";
import { noDlp } from "../apps/gateway/src/pipeline/dlp-stage";
import type { StageInput } from "../apps/gateway/src/pipeline/stage-input";
import { startTracing } from "../packages/telemetry/src/start-tracing";

const CALLS = Number(process.env.BENCH_CALLS ?? 50_000);

const event: AuditEvent = {
  id: "aud_x",
  orgId: "org_x",
  occurredAt: new Date().toISOString(),
  requestId: "req_x",
  method: "tools/call",
  agentId: "agt_x",
  agentName: "bench-agent",
  teamId: null,
  userId: null,
  serverId: "srv_x",
  serverName: "alpha",
  toolName: "echo",
  decision: "allowed",
  reason: null,
  errorCode: null,
  arguments: { message: "x" },
  resultSummary: "x",
  isError: false,
  latencyMs: 1.2,
  upstreamLatencyMs: 0.8,
  upstreamStatus: "ok",
  protocolVersion: "2025-11-25",
  snapshotVersion: 1,
  dlp: null,
  approvalId: null,
};

async function perCall(label: string, fn: () => unknown | Promise<unknown>): Promise<void> {
  for (let i = 0; i < 2_000; i++) await fn(); // warm-up
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await fn();
  const wallUs = ((performance.now() - started) * 1000) / CALLS;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / CALLS;
  process.stdout.write(
    `${label.padEnd(58)} ${wallUs.toFixed(2).padStart(7)} µs wall  ${cpuUs.toFixed(2).padStart(7)} µs CPU\n`,
  );
}

const metrics = new GatewayMetrics({
  snapshot: () => null,
  audit: () => ({
    buffered: 0,
    spooled: 0,
    enqueued: 0,
    jobs: 0,
    replayed: 0,
    rejected: 0,
    unacked: 0,
    resent: 0,
  }),
  spoolDir: "/nonexistent",
});
process.stdout.write(`per request, ${CALLS} requests\n`);
await perCall("metrics: count one request from its audit event", () => metrics.observe(event));

const receiver = await startOtlpReceiver();
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
const tracing = await startTracing({ defaultServiceName: "bench", env: process.env });
const gatewayTracing = new GatewayTracing("bench");
const noop: CallToolStages = {
  rateLimit: { enforce: async () => {}, close: async () => {} },
  dlp: noDlp,
  approval: {
    awaitDecision: async () => ({ approvalId: "apr_x" }),
    markExecuted: async () => {},
    close: async () => {},
  },
};
const stages = gatewayTracing.tracedStages(noop);
const hooks = gatewayTracing.upstreamHooks();
const sink = gatewayTracing.describingSink({ record: () => {} });
const req = { headers: {} } as IncomingMessage;
const input = {} as StageInput;
await perCall("tracing on: request span + 4 child spans, context injected", () =>
  gatewayTracing.traceRequest(req, async () => {
    await stages.rateLimit.enforce(input);
    stages.dlp.scanArguments(input, {});
    await hooks.aroundCall!(
      {
        spec: {
          id: "srv_x",
          name: "alpha",
          transport: "streamable-http",
          url: "http://127.0.0.1:1/mcp",
          timeoutMs: 1000,
        },
        tool: "echo",
      },
      async () => hooks.traceContext!(),
    );
    stages.dlp.scanResult(input, { content: [] });
    sink.record(event);
  }),
);
await tracing.shutdown();
process.stdout.write(`spans received by the OTLP receiver: ${receiver.spans.length}\n`);
await receiver.close();
