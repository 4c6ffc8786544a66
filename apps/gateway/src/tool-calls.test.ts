import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  type FixtureServer,
  startLegacyHttpServer,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

let legacy: FixtureServer;
let modern: FixtureServer;
let h: GatewayHarness;
let key = "";
let auditKey = "";
let hangupKey = "";
const upstreamCalls: string[] = [];

beforeAll(async () => {
  const onCall = (name: string) => upstreamCalls.push(name);
  legacy = await startLegacyHttpServer({ tag: "legacy", onCall });
  modern = await startModernHttpServer({ tag: "modern", onCall });
  const deadPort = await freePort();
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const alpha = b.server({
        name: "alpha",
        transport: "streamable-http",
        url: legacy.url,
        timeoutMs: 2_000,
      });
      const beta = b.server({ name: "beta", transport: "streamable-http", url: modern.url });
      // A server that was reachable at sync time and is down now.
      const gone = b.server({
        name: "gone",
        transport: "streamable-http",
        url: `http://127.0.0.1:${deadPort}/mcp`,
      });
      const alphaTools = await pool.listTools(b.upstreamSpecForTest(alpha));
      b.addTools(alpha, alphaTools);
      b.addTools(beta, await pool.listTools(b.upstreamSpecForTest(beta)));
      b.addTools(
        gone,
        alphaTools.filter((t) => t.name === "echo"),
      );
      const agent = b.agent("ci-bot", "platform");
      b.grant({ team: "platform" }, alpha, "*");
      b.grant({ team: "platform" }, beta, "echo");
      b.grant({ team: "platform" }, beta, "add", "deny");
      b.grant({ team: "platform" }, gone, "*");
      key = b.key(agent).key;
      auditKey = b.key(b.agent("audit-bot", "platform")).key;
      hangupKey = b.key(b.agent("hangup-bot", "platform")).key;
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await legacy?.close();
  await modern?.close();
});

describe.each(CLIENTS)("tools/call from a client of revision $revision", ({ connect }) => {
  it("forwards an allowed call to the right upstream and returns its result", async () => {
    const client = await connect(h.gateway.url, key);
    const a = await client.callTool("alpha__add", { a: 2, b: 40 });
    const b = await client.callTool("beta__echo", { message: "hi" });
    await client.close();
    expect(a.content).toEqual([{ type: "text", text: "42" }]);
    expect(b.content).toEqual([{ type: "text", text: "echo: hi" }]);
  });

  it("refuses a denied tool with a JSON-RPC error naming the reason", async () => {
    const client = await connect(h.gateway.url, key);
    const before = upstreamCalls.length;
    await expect(client.callTool("beta__add", { a: 1, b: 2 })).rejects.toThrow(
      /denied: a deny grant forbids 'beta__add'/,
    );
    await expect(client.callTool("beta__slow", { ms: 1 })).rejects.toThrow(
      /denied: no grant .* \(default deny\)/,
    );
    expect(upstreamCalls.length).toBe(before);
    await client.close();
  });

  it("refuses an unknown tool", async () => {
    const client = await connect(h.gateway.url, key);
    await expect(client.callTool("nope__echo", {})).rejects.toThrow(/unknown tool 'nope__echo'/);
    await client.close();
  });

  it("validates arguments against the input schema and forwards nothing invalid", async () => {
    const client = await connect(h.gateway.url, key);
    const before = upstreamCalls.length;
    await expect(client.callTool("alpha__add", { a: "two", b: 2 })).rejects.toThrow(
      /invalid arguments for 'alpha__add': a must be number/,
    );
    await expect(client.callTool("alpha__echo", {})).rejects.toThrow(/must have required property 'message'/);
    expect(upstreamCalls.length).toBe(before);
    await client.close();
  });

  it("reports an unreachable upstream clearly without affecting other servers", async () => {
    const client = await connect(h.gateway.url, key);
    await expect(client.callTool("gone__echo", { message: "x" })).rejects.toThrow(
      /upstream 'gone' is unreachable/,
    );
    const ok = await client.callTool("alpha__echo", { message: "still here" });
    expect(ok.content).toEqual([{ type: "text", text: "echo: still here" }]);
    await client.close();
  });

  it("times out a slow upstream with the server's timeout", async () => {
    const client = await connect(h.gateway.url, key);
    const started = Date.now();
    await expect(client.callTool("alpha__slow", { ms: 8_000 })).rejects.toThrow(
      /upstream 'alpha' did not answer within 2000 ms/,
    );
    expect(Date.now() - started).toBeLessThan(6_000);
    await client.close();
  });

  it("passes a tool-level error result through as a result", async () => {
    const client = await connect(h.gateway.url, key);
    const r = await client.callTool("alpha__fail", {});
    expect(r.isError).toBe(true);
    await client.close();
  });
});

describe("audit", () => {
  it("produces one audit event per request, with decision, tool and latency", async () => {
    const client = await CLIENTS[0].connect(h.gateway.url, auditKey);
    await client.callTool("alpha__echo", { message: "audited" });
    await client.callTool("beta__add", { a: 1, b: 1 }).catch(() => undefined);
    await client.callTool("alpha__add", { a: "x", b: 1 }).catch(() => undefined);
    await client.close();
    const mine = (all: typeof h.events) => all.filter((e) => e.agentName === "audit-bot");
    const events = mine(
      await h.waitForEvents((e) => mine(e).filter((x) => x.method === "tools/call").length >= 3),
    );
    const calls = events.filter((e) => e.method === "tools/call");
    expect(calls.map((e) => [e.serverName, e.toolName, e.decision])).toEqual([
      ["alpha", "echo", "allowed"],
      ["beta", "add", "denied"],
      ["alpha", "add", "invalid"],
    ]);
    const allowed = calls[0]!;
    expect(allowed).toMatchObject({
      agentName: "audit-bot",
      arguments: { message: "audited" },
      resultSummary: "echo: audited",
      isError: false,
      upstreamStatus: "ok",
    });
    expect(allowed.latencyMs).toBeGreaterThan(0);
    expect(allowed.upstreamLatencyMs).toBeGreaterThan(0);
    expect(calls[1]!.reason).toMatch(/deny grant/);
    // The handshake is audited as well: every request produces exactly one event.
    expect(events.filter((e) => e.method === "initialize")).toHaveLength(1);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });
});

describe("a client that hangs up mid-call", () => {
  it("cancels the upstream call at once instead of waiting for its timeout", async () => {
    // The hang-up cuts the tools/call HTTP request only (the client itself stays connected).
    const hangUp = new AbortController();
    const client = new Client(
      { name: "hangup-test-agent", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    const fetchWithHangUp: typeof fetch = (url, init) =>
      typeof init?.body === "string" && init.body.includes('"tools/call"')
        ? fetch(url, { ...init, signal: hangUp.signal })
        : fetch(url, init);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(h.gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${hangupKey}` } },
        fetch: fetchWithHangUp,
      }),
    );
    const call = client.callTool({ name: "alpha__slow", arguments: { ms: 8_000 } }).catch((e) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    hangUp.abort();
    await call;
    const mine = (all: typeof h.events) =>
      all.filter((e) => e.agentName === "hangup-bot" && e.method === "tools/call");
    const [event] = mine(await h.waitForEvents((e) => mine(e).length >= 1));
    // alpha's timeout is 2,000 ms: a call still running upstream would end only then.
    expect(event!.upstreamLatencyMs).toBeLessThan(1_500);
    expect(event!.upstreamStatus).not.toBe("timeout");
    expect(event).toMatchObject({ toolName: "slow", isError: true });
    await client.close();
  });
});
