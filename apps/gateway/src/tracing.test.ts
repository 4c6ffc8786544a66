import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "@portcullis/testkit/otlp-receiver";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayProcess, spawnGatewayProcess } from "./testing/gateway-process";
import { SnapshotBuilder } from "./testing/snapshot-builder";

// The gateway as main.ts starts it, configured by nothing but the standard OTEL_*
// variables, exporting to a real OTLP/HTTP receiver; a recording proxy in front of the
// upstream shows what trace context leaves the gateway.
const SECRET = "tracing-tests-secret-key-0123456789abcdef";
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

interface UpstreamRequest {
  headers: IncomingHttpHeaders;
  body: { method?: string; params?: { name?: string; _meta?: Record<string, unknown> } } | null;
}

/** Forwards to `target`, remembering each request's headers and JSON body. */
async function startRecordingProxy(
  target: string,
): Promise<{ url: string; seen: UpstreamRequest[]; server: Server }> {
  const seen: UpstreamRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    seen.push({ headers: req.headers, body: raw.length > 0 ? JSON.parse(raw.toString("utf8")) : null });
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === "host" || k === "content-length" || k === "connection") continue;
      headers.set(k, Array.isArray(v) ? v.join(", ") : v);
    }
    const upstream = await fetch(target, {
      method: req.method,
      headers,
      ...(raw.length > 0 && { body: raw }),
    });
    res.writeHead(upstream.status, Object.fromEntries(upstream.headers.entries()));
    if (!upstream.body) return void res.end();
    Readable.fromWeb(upstream.body as import("node:stream/web").ReadableStream).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, seen, server };
}

function rpc(
  url: string,
  key: string,
  body: unknown,
  init: { traceparent?: string; signal?: AbortSignal } = {},
) {
  return fetch(url, {
    method: "POST",
    ...(init.signal && { signal: init.signal }),
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...(init.traceparent && { traceparent: init.traceparent }),
    },
    body: JSON.stringify(body),
  });
}

const callTool = (id: number, name: string, args: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

describe("OpenTelemetry traces from the gateway (OTLP/HTTP)", () => {
  const names = testRedisNames("gwtrace");
  const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
  let fixture: FixtureServer;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let receiver: OtlpReceiver;
  let gateway: GatewayProcess;
  let spoolDir: string;
  const keys = { busy: "", held: "" };

  beforeAll(async () => {
    fixture = await startLegacyHttpServer({ jsonResponse: true });
    proxy = await startRecordingProxy(fixture.url);
    receiver = await startOtlpReceiver();
    const b = new SnapshotBuilder(secretKeyFrom(SECRET));
    const server = b.server({ name: "alpha", transport: "streamable-http", url: proxy.url });
    const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
    b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
    await pool.close();
    const busy = b.agent("busy-bot", "platform");
    b.grant({ agent: busy }, server, "echo");
    b.grant({ agent: busy }, server, "add", "deny");
    keys.busy = b.key(busy).key;
    const held = b.agent("held-bot", "held");
    // Expires after a second (plus the stage's 2 s grace) with nobody deciding.
    b.grant({ agent: held }, server, "echo", "approve").approvalTimeoutSec = 1;
    keys.held = b.key(held).key;
    await writeSnapshotToRedis(redis, names, 1, JSON.stringify(b.build(1)), secretKeyFrom(SECRET));
    spoolDir = await mkdtemp(join(tmpdir(), "pc-gwtrace-spool-"));
    gateway = await spawnGatewayProcess(["--import", "tsx", "apps/gateway/src/main.ts"], {
      REDIS_PREFIX: names.prefix,
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
      PORTCULLIS_SECRET_KEY: SECRET,
      GATEWAY_SPOOL_DIR: spoolDir,
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: "gateway-under-test",
      OTEL_BSP_SCHEDULE_DELAY: "50",
    });
    proxy.seen.length = 0; // the catalog listing above is not part of the tests
  }, 60_000);

  afterAll(async () => {
    const code = await gateway?.stop();
    if (code !== 0) console.log(gateway.output().slice(-4000));
    expect(code).toBe(0);
    await receiver?.close();
    proxy?.server.close();
    await fixture?.close();
    await cleanupRedisPrefix(redis, names.prefix);
    redis.disconnect();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
    spans
      .filter((s) => s.parentSpanId === parent.spanId)
      .map((s) => s.name)
      .sort();

  it("a tools/call is one server span, child of the client's traceparent, with stage and upstream spans", async () => {
    const traceId = randomBytes(16).toString("hex");
    const clientSpanId = randomBytes(8).toString("hex");
    const res = await rpc(gateway.url, keys.busy, callTool(1, "alpha__echo", { message: "traced" }), {
      traceparent: `00-${traceId}-${clientSpanId}-01`,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("echo: traced");

    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.traceId === traceId && s.kind === SERVER),
    );
    const ours = spans.filter((s) => s.traceId === traceId);
    const root = ours.find((s) => s.kind === SERVER)!;
    expect(root.name).toBe("tools/call alpha__echo");
    expect(root.parentSpanId).toBe(clientSpanId);
    expect(root.service).toBe("gateway-under-test");
    expect(root.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "mcp.protocol.version": "2025-11-25",
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "alpha__echo",
      "portcullis.decision": "allowed",
      "portcullis.server.name": "alpha",
      "portcullis.agent.name": "busy-bot",
      "network.transport": "tcp",
    });
    expect(root.statusCode).not.toBe(ERROR);
    expect(childrenOf(ours, root)).toEqual([
      "portcullis.dlp.arguments",
      "portcullis.dlp.result",
      "portcullis.rate_limit",
      "tools/call echo",
    ]);
    const upstreamSpan = ours.find((s) => s.kind === CLIENT)!;
    expect(upstreamSpan.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "echo",
      "portcullis.server.name": "alpha",
      "server.address": "127.0.0.1",
    });

    // The upstream received the client span's context, in the HTTP header and in _meta.
    const call = proxy.seen.find((r) => r.body?.method === "tools/call")!;
    const expected = `00-${traceId}-${upstreamSpan.spanId}-01`;
    expect(call.headers.traceparent).toBe(expected);
    expect(call.body?.params?._meta?.traceparent).toBe(expected);
  });

  it("without a traceparent header, the trace context in params._meta (MCP conventions) parents the span", async () => {
    const traceId = randomBytes(16).toString("hex");
    const clientSpanId = randomBytes(8).toString("hex");
    const body = callTool(5, "alpha__echo", { message: "meta" });
    const res = await rpc(gateway.url, keys.busy, {
      ...body,
      params: { ...body.params, _meta: { traceparent: `00-${traceId}-${clientSpanId}-01` } },
    });
    expect(await res.text()).toContain("echo: meta");
    const spans = await receiver.waitFor((all) =>
      all.some((s) => s.traceId === traceId && s.kind === SERVER),
    );
    const root = spans.find((s) => s.traceId === traceId && s.kind === SERVER)!;
    expect(root.parentSpanId).toBe(clientSpanId);
    expect(root.name).toBe("tools/call alpha__echo");
    expect(spans.filter((s) => s.traceId === traceId && s.parentSpanId === root.spanId).length).toBe(4);
  });

  it("a denied call is an error span with the JSON-RPC code as error.type, and nothing goes upstream", async () => {
    const before = proxy.seen.length;
    const res = await rpc(gateway.url, keys.busy, callTool(2, "alpha__add", { a: 1, b: 2 }));
    expect(await res.text()).toContain("denied");
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === "tools/call alpha__add"));
    const root = spans.find((s) => s.name === "tools/call alpha__add")!;
    expect(root.parentSpanId).toBe(""); // no traceparent: a new trace
    expect(root.statusCode).toBe(ERROR);
    expect(root.attributes).toMatchObject({ "portcullis.decision": "denied", "error.type": "-32003" });
    expect(childrenOf(spans, root)).toEqual([]);
    expect(proxy.seen.length).toBe(before);
  });

  it("requests other than tools/call are spans named by their method", async () => {
    const res = await rpc(gateway.url, keys.busy, {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/list",
      params: {},
    });
    expect(res.status).toBe(200);
    const spans = await receiver.waitFor((all) => all.some((s) => s.name === "tools/list"));
    const list = spans.find((s) => s.name === "tools/list")!;
    expect(list.attributes["mcp.method.name"]).toBe("tools/list");
    expect(list.attributes["gen_ai.operation.name"]).toBeUndefined();
  });

  it("a call held for approval has an approval-wait span, failed when nobody decides in time", async () => {
    const res = await rpc(gateway.url, keys.held, callTool(4, "alpha__echo", { message: "please" }));
    expect(await res.text()).toContain("was not approved in time");
    const waitSpan = (all: ReceivedSpan[]) =>
      all.find((s) => s.name === "portcullis.approval.wait" && s.statusCode === ERROR);
    const spans = await receiver.waitFor((all) => {
      const wait = waitSpan(all);
      return wait !== undefined && all.some((s) => s.spanId === wait.parentSpanId);
    });
    const root = spans.find((s) => s.spanId === waitSpan(spans)!.parentSpanId)!;
    expect(root.attributes["portcullis.agent.name"]).toBe("held-bot");
    expect(root.name).toBe("tools/call alpha__echo");
    expect(root.attributes["portcullis.decision"]).toBe("denied");
    expect(root.attributes["portcullis.decision"]).toBe("denied");
    expect(spans.filter((s) => s.traceId === root.traceId && s.kind === CLIENT)).toEqual([]);
  });
});
