import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { type PromSample, sampleValue, scrapeMetrics } from "@portcullis/testkit/prometheus";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLegacyClient, connectModernClient } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness, startTestGateway } from "./testing/gateway-harness";

let upstream: FixtureServer;
let h: GatewayHarness;
const keys = { busy: "", limited: "", held: "" };
let metricsUrl = "";

beforeAll(async () => {
  upstream = await startLegacyHttpServer({ jsonResponse: true });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const alpha = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(alpha, await pool.listTools(b.upstreamSpecForTest(alpha)));
      // Short enough for the timeout test, long enough for a busy machine's other calls.
      alpha.timeoutMs = 1_500;
      const busy = b.agent("busy-bot", "platform");
      b.grant({ agent: busy }, alpha, "*");
      keys.busy = b.key(busy).key;
      const limited = b.agent("limited-bot", "limited");
      b.grant({ agent: limited }, alpha, "*");
      keys.limited = b.key(limited).key;
      b.policy(
        "rate_limit",
        { limits: [{ per: "agent", window: "minute", max: 1 }] },
        { agents: [limited.id] },
      );
      const held = b.agent("held-bot", "held");
      b.grant({ agent: held }, alpha, "echo", "approve");
      keys.held = b.key(held).key;
    },
  });
  await pool.close();
  metricsUrl = `http://127.0.0.1:${h.gateway.metricsPort}/metrics`;
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

const requests = (s: PromSample[], labels: Record<string, string>) =>
  sampleValue(s, "portcullis_gateway_requests_total", labels) ?? 0;

describe("GET /metrics on the gateway port", () => {
  it("counts requests by method, server, tool and decision after real calls", async () => {
    const client = await connectModernClient(h.gateway.url, keys.busy);
    await client.listTools();
    await client.callTool("alpha__echo", { message: "one" });
    await client.callTool("alpha__echo", { message: "two" });
    await client.callTool("alpha__add", { a: 1, b: 2 });
    await expect(client.callTool("alpha__nope", {})).rejects.toThrow();
    await client.close();
    await h.waitForEvents((e) => e.filter((x) => x.method === "tools/call").length >= 4);

    const s = await scrapeMetrics(metricsUrl);
    const allowed = { method: "tools/call", server: "alpha", decision: "allowed" };
    expect(requests(s, { ...allowed, tool: "echo" })).toBe(2);
    expect(requests(s, { ...allowed, tool: "add" })).toBe(1);
    // An unknown name is client input: it is not a label value.
    expect(requests(s, { method: "tools/call", server: "", tool: "", decision: "invalid" })).toBe(1);
    expect(requests(s, { method: "tools/list", decision: "allowed" })).toBeGreaterThanOrEqual(1);
    expect(s.some((x) => x.labels.tool === "nope" || x.labels.tool === "alpha__nope")).toBe(false);

    // Histograms: every tools/call is in the total one, the three upstream calls in the upstream one.
    expect(
      sampleValue(s, "portcullis_gateway_request_duration_seconds_count", { method: "tools/call" }),
    ).toBe(4);
    expect(sampleValue(s, "portcullis_gateway_upstream_duration_seconds_count", { server: "alpha" })).toBe(3);
    const upstreamSum = sampleValue(s, "portcullis_gateway_upstream_duration_seconds_sum", {
      server: "alpha",
    });
    expect(upstreamSum).toBeGreaterThan(0);
    expect(
      sampleValue(s, "portcullis_gateway_upstream_duration_seconds_bucket", { server: "alpha", le: "+Inf" }),
    ).toBe(3);
  });

  it("counts upstream tool errors and timeouts by server", async () => {
    const client = await connectLegacyClient(h.gateway.url, keys.busy);
    const failed = await client.callTool("alpha__fail", {});
    expect(failed.isError).toBe(true);
    await expect(client.callTool("alpha__slow", { ms: 3_000 })).rejects.toThrow(
      /did not answer within 1500 ms/,
    );
    await client.close();
    await h.waitForEvents((e) => e.some((x) => x.toolName === "slow"));

    const s = await scrapeMetrics(metricsUrl);
    const errors = (kind: string) =>
      sampleValue(s, "portcullis_gateway_upstream_errors_total", { server: "alpha", kind });
    expect(errors("tool_error")).toBe(1);
    expect(errors("timeout")).toBe(1);
    expect(requests(s, { method: "tools/call", tool: "slow", decision: "error" })).toBe(1);
  });

  it("counts rate-limit refusals", async () => {
    const client = await connectModernClient(h.gateway.url, keys.limited);
    await client.callTool("alpha__echo", { message: "first" });
    await expect(client.callTool("alpha__echo", { message: "second" })).rejects.toThrow();
    await expect(client.callTool("alpha__echo", { message: "third" })).rejects.toThrow();
    await client.close();
    await h.waitForEvents((e) => e.filter((x) => x.agentName === "limited-bot").length >= 3);

    const s = await scrapeMetrics(metricsUrl);
    expect(sampleValue(s, "portcullis_gateway_rate_limit_refusals_total", { server: "alpha" })).toBe(2);
    expect(requests(s, { method: "tools/call", tool: "echo", decision: "denied" })).toBe(2);
  });

  it("shows a held call in approvals waiting, and no longer once its caller leaves", async () => {
    const abort = new AbortController();
    const held = fetch(h.gateway.url, {
      method: "POST",
      signal: abort.signal,
      headers: {
        authorization: `Bearer ${keys.held}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "alpha__echo", arguments: { message: "please" } },
      }),
    }).catch(() => null);
    const waiting = async () =>
      sampleValue(await scrapeMetrics(metricsUrl), "portcullis_gateway_approvals_waiting");
    await until(async () => (await waiting()) === 1, "the held call to be counted");
    abort.abort();
    await held;
    await until(async () => (await waiting()) === 0, "the abandoned wait to be released");
  });

  it("reports the snapshot version and its age", async () => {
    const version = await h.publish();
    await until(() => h.gateway.store.current()?.version === version, "the new snapshot");
    const s = await scrapeMetrics(metricsUrl);
    expect(sampleValue(s, "portcullis_gateway_snapshot_version")).toBe(version);
    const age = sampleValue(s, "portcullis_gateway_snapshot_age_seconds");
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(600);
    expect(sampleValue(s, "portcullis_gateway_audit_enqueued_events_total")).toBeGreaterThan(0);
    expect(sampleValue(s, "portcullis_gateway_audit_spool_bytes")).toBe(0);
  });
});

describe("GATEWAY_METRICS_PORT", () => {
  it("serves /metrics on its own port and not on the MCP port", async () => {
    const port = await freePort();
    const gateway = await startTestGateway({
      names: h.names,
      spoolDir: `${process.env.TMPDIR ?? "/tmp"}/pc-metrics-port-${port}`,
      metrics: { port, processMetrics: true },
    });
    try {
      expect(gateway.metricsPort).toBe(port);
      const s = await scrapeMetrics(`http://127.0.0.1:${port}/metrics`);
      expect(sampleValue(s, "portcullis_gateway_snapshot_version")).toBeGreaterThanOrEqual(1);
      expect(s.some((x) => x.name === "process_cpu_seconds_total")).toBe(true);
      const onMcpPort = await fetch(`http://127.0.0.1:${gateway.port}/metrics`);
      expect(onMcpPort.status).toBe(404);
    } finally {
      await gateway.close(1_000);
    }
  });
});

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
