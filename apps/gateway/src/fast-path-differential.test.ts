import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "@portcullis/contracts/audit";
import {
  type FixtureServer,
  progressTool,
  startLegacyHttpServer,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { startMixedRevisionServer } from "@portcullis/testkit/mixed-revision-server";
import { freePort } from "@portcullis/testkit/ports";
import { leanCallStats } from "@portcullis/upstream/lean-call";
import { leanCall2026Stats } from "@portcullis/upstream/lean-call-2026";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "./start-gateway";
import { type GatewayHarness, startGatewayHarness, startTestGateway } from "./testing/gateway-harness";
import { legacyPassthroughSurface, modernPassthroughSurface } from "./testing/passthrough-surface";

/**
 * The lean path (fast-path/) against the SDK's serving: the same corpus of requests of both
 * revisions goes to a gateway with the lean path off (old) and one with it on (new), on the
 * same snapshot and upstreams, and every answer must match byte for byte (request ids,
 * dates and HTTP framing aside), and so must the audit event each request leaves. Each case
 * also says whether the lean path must take it, so a lean path that silently never runs, or
 * runs where it must not, fails here too.
 */

type Revision = "2025-11-25" | "2026-07-28";
const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "differential", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

interface Case {
  name: string;
  revision: Revision;
  method: string;
  params?: Record<string, unknown>;
  /** Whether the lean path serves it (false: the SDK path must). */
  fast: boolean;
  /** Whether the lean path hands the encoding to the SDK (replay). */
  replayed?: boolean;
  key?: "main" | "limited" | "optedOut";
  /** Replaces the usual headers (null removes one). */
  headers?: Record<string, string | null>;
  /** Sends this body instead of the JSON-RPC request built from method and params. */
  rawBody?: string;
  id?: string | number;
  /**
   * Whether the lean path's call upstream must be the lean one (lean-call.ts), not the SDK
   * client's (a revision: only when sent with that one).
   */
  lean?: boolean | Revision;
  /** Runs before the request goes to each gateway. */
  before?: () => Promise<void>;
}

function call(name: string, args?: Record<string, unknown>): Record<string, unknown> {
  return args === undefined ? { name } : { name, arguments: args };
}

/** The corpus: every case is sent once per revision unless it names one. */
const shared: Array<Omit<Case, "revision">> = [
  { name: "tools/list (first: the SDK encodes it)", method: "tools/list", fast: true, replayed: true },
  { name: "tools/list again (cached encoding)", method: "tools/list", fast: true },
  {
    name: "echo",
    method: "tools/call",
    params: call("legacy__echo", { message: "hi" }),
    fast: true,
    lean: true,
  },
  {
    name: "echo, string id",
    method: "tools/call",
    params: call("legacy__echo", { message: "ü ✓ \u2028" }),
    fast: true,
    lean: true,
    id: "req-1",
  },
  {
    name: "echo on a 2026 upstream",
    method: "tools/call",
    params: call("modern__echo", { message: "x" }),
    fast: true,
    lean: true,
  },
  { name: "add", method: "tools/call", params: call("legacy__add", { a: 2, b: 3 }), fast: true, lean: true },
  {
    name: "tool error result",
    method: "tools/call",
    params: call("legacy__fail", {}),
    fast: true,
    lean: true,
  },
  { name: "no arguments", method: "tools/call", params: call("legacy__fail"), fast: true, lean: true },
  {
    name: "structured content",
    method: "tools/call",
    params: call("legacy__structured", {}),
    fast: true,
    lean: true,
    replayed: true,
  },
  {
    name: "image content",
    method: "tools/call",
    params: call("modern__image", {}),
    fast: true,
    lean: true,
    replayed: true,
  },
  {
    name: "result _meta",
    method: "tools/call",
    params: call("legacy__with-meta", {}),
    fast: true,
    lean: true,
  },
  {
    name: "result _meta from a 2026 upstream",
    method: "tools/call",
    params: call("modern__with-meta", {}),
    fast: true,
    lean: true,
  },
  {
    name: "DLP redacts a result",
    method: "tools/call",
    params: call("legacy__leak", {}),
    fast: true,
    lean: true,
  },
  {
    name: "DLP blocks arguments",
    method: "tools/call",
    params: call("modern__echo", {
      message: "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
    }),
    fast: true,
    lean: true,
  },
  { name: "unknown tool", method: "tools/call", params: call("legacy__nope", {}), fast: true },
  { name: "denied tool", method: "tools/call", params: call("modern__add", { a: 1, b: 2 }), fast: true },
  { name: "invalid arguments", method: "tools/call", params: call("legacy__add", { a: "two" }), fast: true },
  {
    name: "upstream unreachable",
    method: "tools/call",
    params: call("gone__echo", { message: "x" }),
    fast: true,
  },
  {
    name: "upstream JSON-RPC error",
    method: "tools/call",
    params: call("legacy__throws", {}),
    fast: true,
    lean: true,
  },
  {
    name: "rate limit: first call",
    method: "tools/call",
    params: call("legacy__echo", { message: "1" }),
    fast: true,
    // The 2026 run of it is refused: old and new each had their one call.
    lean: "2025-11-25",
    key: "limited",
  },
  {
    name: "rate limit: refused",
    method: "tools/call",
    params: call("legacy__echo", { message: "2" }),
    fast: true,
    key: "limited",
  },
  {
    name: "progress tool without a token",
    method: "tools/call",
    params: call("modern__progress", { steps: 3 }),
    fast: true,
    lean: true,
  },
  // The lean upstream call: JSON and SSE answers, sessions, timeouts, size, the call's own stream.
  {
    name: "JSON answer from a 2025 upstream",
    method: "tools/call",
    params: call("legacyjson__echo", { message: "j" }),
    fast: true,
    lean: true,
  },
  {
    name: "upstream session expired (the call goes again on a new session)",
    method: "tools/call",
    params: call("legacy__echo", { message: "s" }),
    fast: true,
    lean: true,
    before: () => legacy.dropSessions(),
  },
  { name: "upstream timeout", method: "tools/call", params: call("slow__sleep", {}), fast: true, lean: true },
  {
    name: "invalid result from upstream",
    method: "tools/call",
    params: call("legacy__invalid", {}),
    fast: true,
    lean: true,
  },
  { name: "oversized answer", method: "tools/call", params: call("legacy__big", {}), fast: true, lean: true },
  {
    name: "logs on the call's stream",
    method: "tools/call",
    params: call("legacy__log", {}),
    fast: true,
    lean: true,
  },
  {
    name: "upstream asks the client during the call (refused)",
    method: "tools/call",
    params: call("legacy__ask", {}),
    fast: true,
    lean: true,
  },
  // The lean upstream call toward 2026-07-28 upstreams (v2 SDK): JSON and SSE answers, errors,
  // an invalid result, a timeout, progress, logs, a question to the client, and a server that
  // says 2026-07-28 but answers without resultType.
  ...(
    [
      ["2026 upstream, SSE answer", "modernsse__echo", { message: "s" }],
      ["2026 upstream: tool error result", "modern__fail", {}],
      ["2026 upstream, SSE: tool error result", "modernsse__fail", {}],
      ["2026 upstream: JSON-RPC error", "modern__throws", {}],
      ["2026 upstream, SSE: JSON-RPC error", "modernsse__throws", {}],
      ["2026 upstream: unknown tool upstream", "modern__vanished", { message: "v" }],
      ["2026 upstream: invalid result", "modern__invalid", {}],
      ["2026 upstream, SSE: invalid result", "modernsse__invalid", {}],
      ["2026 upstream: timeout", "modernslow__sleep", {}],
      ["2026 upstream: oversized answer", "modern__big", {}],
      ["2026 upstream: logs (the answer turns into SSE)", "modern__log", {}],
      ["2026 upstream, SSE: logs", "modernsse__log", {}],
      ["2026 upstream, SSE: progress tool without a token", "modernsse__progress", { steps: 2 }],
      ["2026 upstream asks the client (a quiet server: declined)", "modern__ask", {}],
      ["2026 upstream asks for sampling (a quiet server: refused)", "modernsse__sample", {}],
      ["mixed-revision upstream without resultType", "mixed__echo", { message: "m" }],
      ["mixed-revision upstream, invalid result", "mixed__invalid", {}],
    ] as const
  ).map(([name, tool, args]) => ({
    name,
    method: "tools/call",
    params: call(tool, { ...args }),
    fast: true,
    lean: true,
  })),
  {
    name: "2026 upstream, SSE: structured content",
    method: "tools/call",
    params: call("modernsse__structured", {}),
    fast: true,
    lean: true,
    replayed: true,
  },
  { name: "missing name", method: "tools/call", params: { arguments: {} }, fast: false },
  {
    name: "arguments not an object",
    method: "tools/call",
    params: { name: "legacy__echo", arguments: [1] },
    fast: false,
  },
  {
    name: "extra param",
    method: "tools/call",
    params: { ...call("legacy__echo", { message: "x" }), task: { ttl: 1000 } },
    fast: false,
  },
  { name: "tools/list with a cursor", method: "tools/list", params: { cursor: "abc" }, fast: false },
  { name: "resources/list", method: "resources/list", fast: false },
  { name: "ping", method: "ping", fast: false },
  { name: "unknown method", method: "tools/nope", fast: false },
  {
    name: "notification",
    method: "notifications/cancelled",
    params: { requestId: 5 },
    fast: false,
    id: undefined,
  },
  {
    name: "accepts JSON only",
    method: "tools/call",
    params: call("legacy__echo", { message: "x" }),
    fast: false,
    headers: { accept: "application/json" },
  },
];

const corpus: Case[] = [
  ...shared.flatMap((c) => (["2025-11-25", "2026-07-28"] as const).map((revision) => ({ ...c, revision }))),
  // Revision-specific forms the lean path must leave to the SDK.
  {
    name: "legacy with a progress token",
    revision: "2025-11-25",
    method: "tools/call",
    params: { ...call("legacy__progress", { steps: 2 }), _meta: { progressToken: "p1" } },
    fast: false,
  },
  {
    name: "legacy without a version header",
    revision: "2025-11-25",
    method: "tools/call",
    params: call("legacy__echo", { message: "x" }),
    fast: false,
    headers: { "mcp-protocol-version": null },
  },
  {
    name: "modern without the envelope",
    revision: "2026-07-28",
    method: "tools/call",
    params: call("legacy__echo", { message: "x" }),
    fast: false,
    rawBody: JSON.stringify({
      jsonrpc: "2.0",
      id: 9,
      method: "tools/call",
      params: call("legacy__echo", { message: "x" }),
    }),
  },
  {
    name: "modern, mcp-name header disagrees",
    revision: "2026-07-28",
    method: "tools/call",
    params: call("legacy__echo", { message: "x" }),
    fast: false,
    headers: { "mcp-name": "legacy__add" },
  },
  {
    name: "modern, no mcp-method header",
    revision: "2026-07-28",
    method: "tools/list",
    fast: false,
    headers: { "mcp-method": null },
  },
  {
    name: "modern with a progress token",
    revision: "2026-07-28",
    method: "tools/call",
    params: { ...call("legacy__progress", { steps: 2 }), _meta: { ...ENVELOPE, progressToken: "p2" } },
    fast: false,
  },
  {
    name: "modern, bad client info",
    revision: "2026-07-28",
    method: "tools/list",
    params: { _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientInfo": { name: 1 } } },
    fast: false,
  },
  {
    name: "modern, capabilities with sampling",
    revision: "2026-07-28",
    method: "tools/list",
    params: { _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientCapabilities": { sampling: {} } } },
    fast: true,
  },
  // A server that may ask the client: a 2026-07-28 client that declares no elicitation cannot
  // answer, so the lean path takes the call and refuses as the SDK path does; one that
  // declares it leaves the lean path. (A 2025 client could answer anything: the SDK path
  // would wait for it, see "upstream asks the client" for the quiet case.)
  {
    name: "2026 upstream that may elicit, 2026 client without elicitation",
    revision: "2026-07-28",
    method: "tools/call",
    params: call("askmodern__ask", {}),
    fast: true,
    lean: true,
  },
  {
    name: "2026 upstream that may elicit, 2026 client with elicitation",
    revision: "2026-07-28",
    method: "tools/call",
    params: {
      ...call("askmodern__ask", {}),
      _meta: { ...ENVELOPE, "io.modelcontextprotocol/clientCapabilities": { elicitation: {} } },
    },
    fast: false,
  },
  {
    name: "modern, 2025 version in the envelope",
    revision: "2026-07-28",
    method: "tools/list",
    params: { _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2025-11-25" } },
    fast: false,
  },
];

let legacy: FixtureServer;
let legacyJson: FixtureServer;
let modern: FixtureServer;
let modernSse: FixtureServer;
let mixed: FixtureServer;
let h: GatewayHarness;
let oldGateway: RunningGateway;
let oldSpool: string;
const keys = { main: "", limited: "", optedOut: "" };

const extraTools = {
  structured: {
    description: "Answers with structured content.",
    inputSchema: {},
    handler: () => ({ content: [{ type: "text", text: '{"n":1}' }], structuredContent: { n: 1 } }),
  },
  image: {
    description: "Answers with an image.",
    inputSchema: {},
    handler: () => ({ content: [{ type: "image", data: "iVBORw0KGgo=", mimeType: "image/png" }] }),
  },
  "with-meta": {
    description: "Answers with _meta.",
    inputSchema: {},
    handler: () => ({ content: [{ type: "text", text: "m" }], _meta: { "example.com/trace": "t1" } }),
  },
  leak: {
    description: "Answers with something DLP redacts.",
    inputSchema: {},
    handler: () => ({ content: [{ type: "text", text: "key AKIAIOSFODNN7EXAMPLE here" }] }),
  },
  throws: {
    description: "Throws (the SDK answers a JSON-RPC error).",
    inputSchema: {},
    handler: () => {
      throw new Error("boom from upstream");
    },
  },
  progress: progressTool,
  sleep: {
    description: "Answers after 1.5 s (the slow server's timeout is shorter).",
    inputSchema: {},
    handler: async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return { content: [{ type: "text", text: "slept" }] };
    },
  },
  invalid: {
    description: "Answers with a text block without its text (an invalid result).",
    inputSchema: {},
    handler: () => ({ content: [{ type: "text" }] }),
  },
  big: {
    description: "Answers with 1.5 MB of text.",
    inputSchema: {},
    handler: () => ({ content: [{ type: "text", text: "abcdefghij".repeat(150_000) }] }),
  },
};

beforeAll(async () => {
  legacy = await startLegacyHttpServer({
    tag: "legacy",
    tools: extraTools,
    extend: legacyPassthroughSurface,
  });
  legacyJson = await startLegacyHttpServer({ tag: "legacyjson", jsonResponse: true });
  modern = await startModernHttpServer({
    tag: "modern",
    tools: extraTools,
    extend: modernPassthroughSurface,
  });
  modernSse = await startModernHttpServer({
    tag: "modernsse",
    tools: extraTools,
    extend: modernPassthroughSurface,
    responseMode: "sse",
  });
  mixed = await startMixedRevisionServer({ tag: "mixed", tools: extraTools });
  const deadPort = await freePort();
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    // How a feature the lean path does not serve keeps its requests on the SDK path.
    fastPathOptOuts: [(rc) => rc.identity?.kind === "agent" && rc.identity.agent.name === "sdk-only-bot"],
    configure: async (b) => {
      // Servers that never ask the client anything: the lean path may take their calls.
      const quiet = { allowElicitation: false, allowSampling: false };
      const a = b.server({ name: "legacy", transport: "streamable-http", url: legacy.url, ...quiet });
      const m = b.server({ name: "modern", transport: "streamable-http", url: modern.url, ...quiet });
      const j = b.server({ name: "legacyjson", transport: "streamable-http", url: legacyJson.url, ...quiet });
      const ms = b.server({ name: "modernsse", transport: "streamable-http", url: modernSse.url, ...quiet });
      const mx = b.server({ name: "mixed", transport: "streamable-http", url: mixed.url, ...quiet });
      const ask = b.server({
        name: "askmodern",
        transport: "streamable-http",
        url: modern.url,
        allowElicitation: true,
        allowSampling: false,
      });
      const modernSlow = b.server({
        name: "modernslow",
        transport: "streamable-http",
        url: modern.url,
        timeoutMs: 300,
        ...quiet,
      });
      const modernTools = await pool.listTools(b.upstreamSpecForTest(ms));
      b.addTools(ms, modernTools);
      b.addTools(mx, await pool.listTools(b.upstreamSpecForTest(mx)));
      b.addTools(
        ask,
        modernTools.filter((t) => t.name === "ask"),
      );
      b.addTools(
        modernSlow,
        modernTools.filter((t) => t.name === "sleep"),
      );
      b.addTools(j, await pool.listTools(b.upstreamSpecForTest(j)));
      const slow = b.server({
        name: "slow",
        transport: "streamable-http",
        url: legacy.url,
        timeoutMs: 300,
        ...quiet,
      });
      const gone = b.server({
        name: "gone",
        transport: "streamable-http",
        ...quiet,
        url: `http://127.0.0.1:${deadPort}/mcp`,
      });
      const tools = await pool.listTools(b.upstreamSpecForTest(a));
      b.addTools(a, tools);
      const modernListed = await pool.listTools(b.upstreamSpecForTest(m));
      // A tool the gateway knows but the upstream no longer has: its own "unknown tool" error.
      b.addTools(m, [...modernListed, { ...modernListed.find((t) => t.name === "echo")!, name: "vanished" }]);
      b.addTools(
        gone,
        tools.filter((t) => t.name === "echo"),
      );
      b.addTools(
        slow,
        tools.filter((t) => t.name === "sleep"),
      );
      const agent = b.agent("diff-bot", "platform");
      const limited = b.agent("limited-bot", "platform");
      b.grant({ team: "platform" }, a, "*");
      b.grant({ team: "platform" }, m, "*");
      b.grant({ team: "platform" }, m, "add", "deny");
      b.grant({ team: "platform" }, gone, "*");
      b.grant({ team: "platform" }, j, "*");
      for (const server of [ms, mx, ask, modernSlow]) b.grant({ team: "platform" }, server, "*");
      b.grant({ team: "platform" }, slow, "*");
      b.policy("dlp", { detectors: "all", direction: "both", action: "redact" }, { tools: [] });
      b.policy("dlp", { detectors: ["private-key"], direction: "arguments", action: "block" }, {}, 50);
      // Two calls per minute: old and new each get one, then both are refused.
      b.policy(
        "rate_limit",
        { limits: [{ per: "agent", window: "minute", max: 2 }] },
        { agents: [limited.id] },
      );
      keys.main = b.key(agent).key;
      keys.limited = b.key(limited).key;
      keys.optedOut = b.key(b.agent("sdk-only-bot", "platform")).key;
    },
  });
  await pool.close();
  oldSpool = await mkdtemp(join(tmpdir(), "pc-gw-old-spool-"));
  oldGateway = await startTestGateway({ names: h.names, spoolDir: oldSpool, fastPath: false });
}, 30_000);

afterAll(async () => {
  await oldGateway?.close(2_000);
  await h?.close();
  await rm(oldSpool, { recursive: true, force: true });
  await legacy?.close();
  await legacyJson?.close();
  await modern?.close();
  await modernSse?.close();
  await mixed?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  requestId: string;
}

const FRAMING = new Set([
  "date",
  "x-request-id",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
]);

async function send(url: string, c: Case, id: string | number | undefined): Promise<Answer> {
  const params =
    c.revision === "2026-07-28" && !c.params?._meta ? { ...c.params, _meta: ENVELOPE } : c.params;
  const message = {
    jsonrpc: "2.0",
    ...(id !== undefined && { id }),
    method: c.method,
    ...(params && { params }),
  };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": c.revision,
    authorization: `Bearer ${keys[c.key ?? "main"]}`,
  };
  if (c.revision === "2026-07-28") {
    headers["mcp-method"] = c.method;
    if (typeof c.params?.name === "string") headers["mcp-name"] = c.params.name;
  }
  for (const [name, value] of Object.entries(c.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  const res = await fetch(url, { method: "POST", headers, body: c.rawBody ?? JSON.stringify(message) });
  const kept: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!FRAMING.has(name)) kept[name] = value;
  });
  return {
    status: res.status,
    headers: kept,
    body: await res.text(),
    requestId: res.headers.get("x-request-id") ?? "",
  };
}

/** Request ids differ per request; so do the numbers a rate-limit refusal computes from the clock. */
function normalized(body: string): string {
  return (
    body
      .replace(/req_[A-Za-z0-9]+/g, "req_*")
      // A task-augmented call (the "extra param" case) answers a new task each time.
      .replace(/tsk_[A-Za-z0-9]+/g, "tsk_*")
      // The gateway's sealed state of a 2026-07-28 input round differs per request too.
      .replace(/"requestState":"pcs_[^"]+"/g, '"requestState":"pcs_*"')
      .replace(/"(createdAt|lastUpdatedAt)":"[^"]+"/g, '"$1":*')
      .replace(/"retryAfterMs":\d+/g, '"retryAfterMs":*')
      .replace(/retry in \d+(\.\d+)? ?m?s/g, "retry in *")
  );
}

/** Lean upstream calls sent so far, of either revision (lean-call.ts, lean-call-2026.ts). */
function leanSent(): number {
  return leanCallStats.sent + leanCall2026Stats.sent;
}

function comparableEvent(event: AuditEvent | undefined): Record<string, unknown> | undefined {
  if (!event) return undefined;
  const { id: _id, requestId: _r, occurredAt: _o, latencyMs: _l, upstreamLatencyMs, ...rest } = event;
  return {
    ...rest,
    reason: rest.reason && normalized(rest.reason),
    upstreamLatencyMs: upstreamLatencyMs === null ? null : "set",
  };
}

describe("lean path vs the SDK's serving", () => {
  it("answers every request of the corpus byte for byte as the SDK path does, and audits it the same", async () => {
    const mismatches: string[] = [];
    let nextId = 100;
    for (const c of corpus) {
      const id = "id" in c ? c.id : nextId++;
      const before = { ...h.gateway.fastPath!.stats };
      const leanBefore = leanSent();
      await c.before?.();
      const old = await send(oldGateway.url, c, id);
      const mid = { ...h.gateway.fastPath!.stats };
      const leanMid = leanSent();
      await c.before?.();
      const now = await send(h.gateway.url, c, id);
      const after = h.gateway.fastPath!.stats;
      const label = `${c.revision} ${c.name}`;
      if (leanMid !== leanBefore) mismatches.push(`${label}: the old gateway sent a lean call`);
      const lean = c.lean === true || c.lean === c.revision;
      if (leanSent() > leanMid !== lean)
        mismatches.push(`${label}: lean upstream call ${lean ? "not sent" : "sent"}`);
      if (mid.served !== before.served) mismatches.push(`${label}: the old gateway took the lean path`);
      if (after.served - mid.served !== (c.fast ? 1 : 0))
        mismatches.push(`${label}: lean path ${c.fast ? "not taken" : "taken"}`);
      if (c.fast && after.replayed - mid.replayed !== (c.replayed ? 1 : 0))
        mismatches.push(
          `${label}: ${c.replayed ? "not replayed" : "replayed"} (fine if identical, but the corpus says otherwise)`,
        );
      const pair = (a: Answer) => ({ status: a.status, headers: a.headers, body: normalized(a.body) });
      try {
        expect(pair(now)).toEqual(pair(old));
      } catch {
        mismatches.push(`${label}:\n  old ${JSON.stringify(pair(old))}\n  new ${JSON.stringify(pair(now))}`);
      }
      if (id !== undefined && c.method.startsWith("tools/") && old.status === 200) {
        const events = await h.waitForEvents((es) =>
          [old, now].every((a) => es.some((e) => e.requestId === a.requestId)),
        );
        const byRequest = (a: Answer) => comparableEvent(events.find((e) => e.requestId === a.requestId));
        try {
          expect(byRequest(now)).toEqual(byRequest(old));
        } catch {
          mismatches.push(
            `${label} audit:\n  old ${JSON.stringify(byRequest(old))}\n  new ${JSON.stringify(byRequest(now))}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(h.gateway.fastPath!.stats.served).toBeGreaterThan(20);
  }, 120_000);
});
