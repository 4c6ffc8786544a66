import { request } from "node:http";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLegacyClient } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

let upstream: FixtureServer;
let h: GatewayHarness;
let key = "";

beforeAll(async () => {
  upstream = await startLegacyHttpServer();
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    maxBodyBytes: 4_096,
    allowedOrigins: ["https://console.example.com"],
    configure: async (b) => {
      const server = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
      const agent = b.agent("ci-bot", "platform");
      b.grant({ team: "platform" }, server, "*");
      key = b.key(agent).key;
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

/** A raw HTTP request, so tests can send what well-behaved clients never would. */
function raw(options: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}) {
  const url = new URL(h.gateway.url);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? "POST",
        path: options.path ?? "/mcp",
        headers: options.headers,
      },
      (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const json = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("HTTP surface", () => {
  it("serves /healthz and /readyz", async () => {
    expect((await raw({ method: "GET", path: "/healthz" })).status).toBe(200);
    const ready = await raw({ method: "GET", path: "/readyz" });
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: "ready", snapshotVersion: 1 });
  });

  it("refuses a foreign Host or Origin (DNS rebinding)", async () => {
    const host = await raw({
      headers: { ...json, host: "evil.example.com", authorization: `Bearer ${key}` },
      body: "{}",
    });
    expect(host.status).toBe(403);
    expect(host.body).toMatch(/Host 'evil.example.com' is not allowed/);
    const origin = await raw({
      headers: { ...json, origin: "https://evil.example.com", authorization: `Bearer ${key}` },
      body: "{}",
    });
    expect(origin.status).toBe(403);
    expect(origin.body).toMatch(/Origin 'https:\/\/evil.example.com' is not allowed/);
  });

  it("accepts an allowed Origin", async () => {
    const r = await raw({
      headers: { ...json, origin: "https://console.example.com", authorization: `Bearer ${key}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(r.status).toBe(200);
  });

  it("answers an oversized body with 413, declared or streamed", async () => {
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "alpha__echo", arguments: { message: "x".repeat(10_000) } },
    });
    const declared = await raw({ headers: { ...json, authorization: `Bearer ${key}` }, body: big });
    expect(declared.status).toBe(413);
    expect(declared.body).toMatch(/exceeds the 4096-byte limit/);
    const chunked = await raw({
      headers: { ...json, "transfer-encoding": "chunked", authorization: `Bearer ${key}` },
      body: big,
    });
    expect(chunked.status).toBe(413);
  });

  it("answers malformed JSON with a JSON-RPC parse error", async () => {
    const r = await raw({
      headers: { ...json, authorization: `Bearer ${key}` },
      body: '{"jsonrpc": "2.0", "id": 1, "meth',
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error).toMatchObject({ code: -32700 });
  });

  it("answers invalid JSON-RPC envelopes with -32600", async () => {
    for (const body of [
      "[]",
      "42",
      '{"id":1,"method":"ping"}',
      '{"jsonrpc":"2.0","id":1}',
      '{"jsonrpc":"2.0","id":{},"method":"x"}',
    ]) {
      const r = await raw({ headers: { ...json, authorization: `Bearer ${key}` }, body });
      expect(r.status, body).toBe(400);
      expect(JSON.parse(r.body).error.code, body).toBe(-32600);
    }
  });

  it("answers a wrong content type with 415 and an unknown path with 404", async () => {
    expect(
      (await raw({ headers: { "content-type": "text/plain", authorization: `Bearer ${key}` }, body: "hi" }))
        .status,
    ).toBe(415);
    expect((await raw({ method: "GET", path: "/nope" })).status).toBe(404);
  });

  it("survives garbage and keeps serving", async () => {
    const garbage = [
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
      "\u0000".repeat(100),
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"x"}',
    ];
    for (const body of garbage) {
      const r = await raw({ headers: { ...json, authorization: `Bearer ${key}` }, body });
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
    const r = await raw({
      headers: { ...json, authorization: `Bearer ${key}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: 7 } }),
    });
    expect(r.status).toBeLessThan(500);
    const client = await connectLegacyClient(h.gateway.url, key);
    expect((await client.callTool("alpha__echo", { message: "alive" })).content).toEqual([
      { type: "text", text: "echo: alive" },
    ]);
    await client.close();
  });
});
