import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { approvalArgumentsHash } from "@portcullis/contracts/approval-policy";
import type { AuditEvent } from "@portcullis/contracts/audit";
import type { SnapshotAgent } from "@portcullis/contracts/snapshot";
import { pendingApprovalKey, publishApprovalDecision } from "@portcullis/queues/approval-protocol";
import { type AuditWorker, startAuditWorker } from "@portcullis/queues/audit-worker";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "./start-gateway";
import { CLIENTS, type TestClient } from "./testing/clients";
import { startTestGateway, TEST_SECRET_KEY, waitForVersion } from "./testing/gateway-harness";
import { SnapshotBuilder } from "./testing/snapshot-builder";

// Issue 13 end to end: a real gateway, Redis, BullMQ audit queue, a real upstream MCP server
// and real SDK clients of both revisions, for agents in `search` and `code` exposure.
const REDIS_URL = "redis://127.0.0.1:6379";
const names = testRedisNames("context");
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
let fixture: FixtureServer;
let gateway: RunningGateway;
let auditWorker: AuditWorker;
let spoolDir: string;
const events: AuditEvent[] = [];
const keys = { search: "", code: "", full: "" };
let coder: SnapshotAgent;
let builder: SnapshotBuilder;
let alphaServer: ReturnType<SnapshotBuilder["server"]>;

/** Publishes the builder's state, with vault's two tools quarantined and disabled. */
async function publish(version: number): Promise<void> {
  const doc = builder.build(version);
  for (const t of doc.tools) {
    if (t.exposedName === "vault__echo") t.status = "quarantined";
    if (t.exposedName === "vault__add") t.status = "disabled";
  }
  await writeSnapshotToRedis(redis, names, version, JSON.stringify(doc), TEST_SECRET_KEY);
}
const upstreamCalls: string[] = [];

type Result = { content?: unknown; isError?: boolean; structuredContent?: Record<string, unknown> };

beforeAll(async () => {
  fixture = await startLegacyHttpServer({ tag: "context", onCall: (name) => upstreamCalls.push(name) });
  const b = new SnapshotBuilder(TEST_SECRET_KEY);
  builder = b;
  const alpha = b.server({ name: "alpha", transport: "streamable-http", url: fixture.url });
  alphaServer = alpha;
  const vault = b.server({ name: "vault", transport: "streamable-http", url: fixture.url });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const tools = await pool.listTools(b.upstreamSpecForTest(alpha));
  await pool.close();
  b.addTools(alpha, tools);
  b.addTools(
    vault,
    tools.filter((t) => t.name === "echo" || t.name === "add"),
  );
  for (const name of ["echo", "add", "fail"]) b.grant({ team: "platform" }, alpha, name);
  b.grant({ team: "platform" }, alpha, "delete-everything", "approve");
  // `alpha__slow` has no grant; vault's tools are granted but quarantined and disabled.
  b.grant({ team: "platform" }, vault, "*");
  const searcher = b.agent("searcher", "platform");
  searcher.exposure = "search";
  coder = b.agent("coder", "platform");
  coder.exposure = "code";
  const full = b.agent("full-bot", "platform");
  keys.search = b.key(searcher).key;
  keys.code = b.key(coder).key;
  keys.full = b.key(full).key;
  await publish(1);

  spoolDir = await mkdtemp(join(tmpdir(), "pc-context-spool-"));
  gateway = await startTestGateway({
    names,
    spoolDir,
    redisUrl: REDIS_URL,
    approvals: { progressIntervalMs: 150, expiryGraceMs: 500 },
    sandbox: {
      cpuMs: 300,
      memoryBytes: 16 * 1024 * 1024,
      outputBytes: 8 * 1024,
      toolCalls: 5,
      concurrentRuns: 1,
    },
  });
  await waitForVersion(gateway, 1, 5_000);
  auditWorker = startAuditWorker({
    redis: { url: REDIS_URL },
    names,
    handler: async (batch) => {
      events.push(...batch);
    },
  });
  await auditWorker.ready();
});

afterAll(async () => {
  await gateway?.close(2_000);
  await auditWorker?.close();
  await fixture?.close();
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await rm(spoolDir, { recursive: true, force: true });
});

async function waitForEvents(
  predicate: (e: AuditEvent[]) => boolean,
  timeoutMs = 5_000,
): Promise<AuditEvent[]> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate(events)) {
    if (Date.now() > deadline) throw new Error(`audit events did not arrive (have ${events.length})`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return events;
}

const foundNames = (r: Result) =>
  ((r.structuredContent?.tools ?? []) as Array<{ name: string }>).map((t) => t.name);

/** The message a rejected call carries (both SDKs prefix it with the JSON-RPC code). */
async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the call to be refused");
}

describe.each(CLIENTS)("exposure modes, client $revision", ({ connect }) => {
  let searchClient: TestClient;
  let codeClient: TestClient;
  let fullClient: TestClient;
  const run = (code: string) => codeClient.callTool("execute", { code }) as Promise<Result>;

  beforeAll(async () => {
    searchClient = await connect(gateway.url, keys.search);
    codeClient = await connect(gateway.url, keys.code);
    fullClient = await connect(gateway.url, keys.full);
  });
  afterAll(async () => {
    await Promise.all([searchClient?.close(), codeClient?.close(), fullClient?.close()]);
  });

  it("lists only the meta-tools in search and code mode, every granted tool in full", async () => {
    expect((await searchClient.listTools()).tools.map((t) => t.name)).toEqual(["search_tools", "call_tool"]);
    expect((await codeClient.listTools()).tools.map((t) => t.name)).toEqual(["search_tools", "execute"]);
    expect((await fullClient.listTools()).tools.map((t) => t.name)).toEqual([
      "alpha__add",
      "alpha__delete-everything",
      "alpha__echo",
      "alpha__fail",
    ]);
    // In full mode the meta-tools do not exist.
    expect(await errorOf(fullClient.callTool("search_tools", { query: "echo" }))).toMatch(
      /unknown tool 'search_tools'/,
    );
  });

  it("finds granted tools with their schemas, never ungranted, quarantined or disabled ones", async () => {
    const echo = (await searchClient.callTool("search_tools", { query: "echo a message back" })) as Result;
    expect(foundNames(echo)[0]).toBe("alpha__echo");
    const first = ((echo.structuredContent?.tools ?? []) as Array<Record<string, unknown>>)[0];
    expect(first?.description).toBe("Echoes the message back.");
    expect(first?.inputSchema).toMatchObject({ properties: { message: { type: "string" } } });
    expect(JSON.stringify(echo.content)).toContain("alpha__echo");
    const searches = ["echo", "adds two numbers", "sleeps for the given milliseconds", "slow", "vault"];
    for (const query of searches) {
      const found = foundNames((await searchClient.callTool("search_tools", { query, limit: 20 })) as Result);
      expect(found).not.toContain("alpha__slow");
      expect(found).not.toContain("vault__echo");
      expect(found).not.toContain("vault__add");
    }
    const none = (await searchClient.callTool("search_tools", { query: "zzqx unrelated" })) as Result;
    expect(foundNames(none)).toEqual([]);
    await waitForEvents((e) =>
      e.some((x) => x.toolName === "search_tools" && x.resultSummary === "no tools matched"),
    );
  });

  it("shows typed signatures in code mode", async () => {
    const r = (await codeClient.callTool("search_tools", { query: "add numbers" })) as Result;
    const add = ((r.structuredContent?.tools ?? []) as Array<{ name: string; signature?: string }>).find(
      (t) => t.name === "alpha__add",
    );
    expect(add?.signature).toBe("tools.alpha__add(args: { a: number; b: number }): Promise<unknown>");
  });

  it("rejects bad meta-tool arguments with a clear error", async () => {
    expect(await errorOf(searchClient.callTool("search_tools", { query: "" }))).toMatch(
      /invalid arguments for 'search_tools': 'query' query must not be empty/,
    );
    expect(await errorOf(codeClient.callTool("execute", {}))).toMatch(
      /invalid arguments for 'execute': 'code'/,
    );
  });

  it("call_tool runs a granted tool and refuses others with the direct call's error", async () => {
    const r = (await searchClient.callTool("call_tool", {
      name: "alpha__echo",
      arguments: { message: "hi" },
    })) as Result;
    expect(r.content).toEqual([{ type: "text", text: "echo: hi" }]);
    for (const name of ["alpha__slow", "vault__echo", "vault__add", "nope__x"]) {
      const direct = await errorOf(searchClient.callTool(name, { ms: 1, message: "x", a: 1, b: 2 }));
      const viaMeta = await errorOf(
        searchClient.callTool("call_tool", { name, arguments: { ms: 1, message: "x", a: 1, b: 2 } }),
      );
      expect(viaMeta).toBe(direct);
    }
  });

  it("execute calls tools as typed functions, each call audited with the execute event as parent", async () => {
    const before = events.length;
    const r = await run(
      "const a = await tools.alpha__add({ a: 2, b: 3 }); const e = await tools.alpha__echo({ message: 'sum ' + a }); console.log('done'); return { a, e };",
    );
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual({ result: { a: 5, e: "echo: sum 5" }, logs: ["done"], toolCalls: 2 });
    // The execute event is the inner calls' parent (found by id: an earlier test's execute
    // event may be recorded after `before`), and it may be stored after them.
    const innerOf = (e: typeof events) => e.slice(before).filter((x) => x.parentId);
    const all = await waitForEvents((e) => {
      const inner = innerOf(e);
      return inner.length >= 2 && e.some((x) => x.id === inner[0]?.parentId);
    });
    const inner = innerOf(all);
    const outer = all.find((x) => x.id === inner[0]?.parentId);
    expect(outer?.toolName).toBe("execute");
    expect(outer).toBeDefined();
    expect(inner.map((x) => x.toolName).sort()).toEqual(["add", "echo"]);
    for (const x of inner) {
      expect(x.parentId).toBe(outer?.id);
      expect(x.agentId).toBe(coder.id);
      expect(x.decision).toBe("allowed");
      expect(x.requestId).not.toBe(outer?.requestId);
    }
  });

  it("execute refuses ungranted tools with the direct call's error, audited as denied", async () => {
    const before = events.length;
    for (const name of ["alpha__slow", "vault__echo"]) {
      const direct = await errorOf(codeClient.callTool(name, { ms: 1, message: "x" }));
      const r = await run(
        `try { await callTool(${JSON.stringify(name)}, { ms: 1, message: "x" }); return "ran" } catch (e) { return { message: e.message, code: e.code } }`,
      );
      const caught = r.structuredContent?.result as { message: string; code: number };
      expect(direct).toContain(caught.message);
      expect(caught.code).toBe(-32003);
    }
    expect(upstreamCalls).not.toContain("slow");
    await waitForEvents(
      (e) => e.slice(before).filter((x) => x.parentId && x.decision === "denied").length >= 2,
    );
  });

  it("an inner call that needs approval waits for the decision and resumes", async () => {
    const args = { confirm: true };
    const pending = run("const r = await tools.alpha__delete_everything({ confirm: true }); return r;");
    const doc = gateway.store.current()?.doc;
    const tool = doc?.tools.find((t) => t.exposedName === "alpha__delete-everything");
    const key = pendingApprovalKey(names, {
      agentId: coder.id,
      toolId: tool?.id ?? "",
      argumentsHash: await approvalArgumentsHash(args),
    });
    let approvalId: string | null = null;
    const deadline = Date.now() + 5_000;
    while (!approvalId && Date.now() < deadline) {
      const raw = await redis.get(key);
      approvalId = raw ? (JSON.parse(raw) as { id: string }).id : null;
      if (!approvalId) await new Promise((r) => setTimeout(r, 25));
    }
    expect(approvalId).toBeTruthy();
    // Still waiting: nothing reached the upstream, and the run holds this gateway's one sandbox slot.
    expect(upstreamCalls.filter((n) => n === "delete-everything")).toHaveLength(0);
    expect(await errorOf(run("return 1"))).toMatch(/execute refused: 1 runs are already in progress/);
    await publishApprovalDecision(
      redis,
      names,
      {
        approvalId: approvalId as string,
        status: "approved",
        argumentsHash: await approvalArgumentsHash(args),
        decidedBy: { id: "usr_test", name: "approver" },
        comment: null,
        decidedAt: new Date().toISOString(),
      },
      new Date(Date.now() + 60_000),
      TEST_SECRET_KEY,
    );
    const r = await pending;
    expect(r.structuredContent?.result).toBe("deleted everything");
    upstreamCalls.length = 0;
    const all = await waitForEvents((e) => e.some((x) => x.approvalId === approvalId && x.parentId));
    expect(all.find((x) => x.approvalId === approvalId)?.toolName).toBe("delete-everything");
  });

  describe("sandbox escapes are refused", () => {
    it("bounds CPU time, memory, output and tool calls, each with its own error", async () => {
      const cases: Array<[string, RegExp]> = [
        ["while (true) {}", /CPU time limit of 300 ms exceeded/],
        ["const a = []; for (;;) a.push(new Array(1e5).fill(7));", /memory limit of 16 MiB exceeded/],
        ["let s = 'x'; for (let i = 0; i < 40; i++) s += s; return s;", /memory limit|string too long/],
        ["return 'y'.repeat(100000);", /output limit of 8192 bytes exceeded/],
        ["for (;;) console.log('z'.repeat(500));", /output limit of 8192 bytes exceeded/],
        [
          "for (let i = 0; i < 10; i++) await tools.alpha__add({ a: i, b: 1 });",
          /limit of 5 tool calls reached/,
        ],
        ["const f = () => f(); f();", /stack overflow/],
        ["await new Promise(() => {});", /awaits something that never settles/],
      ];
      for (const [code, error] of cases) {
        const r = await run(code);
        expect(r.isError, code).toBe(true);
        expect(JSON.stringify(r.content), code).toMatch(error);
      }
      // The gateway is still fine afterwards.
      expect((await run("return 1 + 1")).structuredContent?.result).toBe(2);
    });

    it("has no process, require, fetch, timers or module loader", async () => {
      const r = await run(
        "return [typeof process, typeof require, typeof fetch, typeof setTimeout, typeof XMLHttpRequest, typeof WebAssembly, typeof globalThis.std, typeof globalThis.os].join(',')",
      );
      expect(r.structuredContent?.result).toBe(
        "undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined",
      );
      const viaFunction = await run(
        "return (function(){ return this.constructor.constructor('return typeof process')() })()",
      );
      expect(viaFunction.structuredContent?.result).toBe("undefined");
      const load = await run("await import('fs'); return 'loaded'");
      expect(load.isError).toBe(true);
    });

    it("keeps prototype pollution and globalThis tampering inside one run", async () => {
      const polluted = await run(
        "Object.prototype.polluted = 'yes'; Array.prototype.push = null; JSON.parse = () => ({ forged: true }); return ({}).polluted;",
      );
      expect(polluted.structuredContent?.result).toBe("yes");
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((await run("return ({}).polluted ?? 'clean'")).structuredContent?.result).toBe("clean");
      // `tools` cannot be swapped, and a forged callTool still goes through the pipeline.
      const swapped = await run(
        "'use strict'; try { globalThis.tools = { alpha__echo: async () => 'forged' }; } catch (e) {} try { tools.alpha__echo = async () => 'forged'; } catch (e) {} return await tools.alpha__echo({ message: 'real' });",
      );
      expect(swapped.structuredContent?.result).toBe("echo: real");
      const proto = await run(
        'return await callTool(\'alpha__echo\', JSON.parse(\'{"__proto__": {"admin": true}, "message": "p"}\'))',
      );
      // Arguments cross as JSON: `__proto__` stays a plain key and never becomes the host's prototype.
      expect(proto.structuredContent?.result).toBe("echo: p");
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty("admin");
    });
  });
});

describe("the search index follows the snapshot", () => {
  it("finds a tool once a new version grants it, with no restart", async () => {
    const client = await CLIENTS[0].connect(gateway.url, keys.search);
    const slowSearch = async () =>
      foundNames((await client.callTool("search_tools", { query: "sleeps for milliseconds" })) as Result);
    expect(await slowSearch()).not.toContain("alpha__slow");
    builder.grant({ team: "platform" }, alphaServer, "slow");
    await publish(2);
    await waitForVersion(gateway, 2, 5_000);
    expect((await slowSearch())[0]).toBe("alpha__slow");
    await client.close();
  });
});
