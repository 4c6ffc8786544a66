import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  InMemoryTaskMessageQueue,
  InMemoryTaskStore,
} from "@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js";
import type { SnapshotAgent } from "@portcullis/contracts/snapshot";
import { registerAskingOrderTool } from "@portcullis/testkit/asking-task-tool";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { startTaskToolServer } from "@portcullis/testkit/task-tool-server";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "./start-gateway";
import {
  type GatewayHarness,
  startGatewayHarness,
  startTestGateway,
  waitForVersion,
} from "./testing/gateway-harness";

// Issue 9 point 2: tasks as 2026-07-28 has them, the Tasks extension (SEP-2663), which the v2
// SDK does not implement: the gateway serves it by hand, over a 2025-11-25 upstream's task tools.
// Raw JSON-RPC over HTTP, as the wire is: no SDK client speaks the extension either.
const TASKS = "io.modelcontextprotocol/tasks";
let upstream: FixtureServer;
let cafe: FixtureServer;
let h: GatewayHarness;
/** A second replica of the same installation (its own process state, the same Redis). */
let replica: RunningGateway;
let key = "";
let nextId = 1;

beforeAll(async () => {
  upstream = await startTaskToolServer("tasks-ext", { brew: "optional", steep: "required" });
  // A 2025-11-25 task tool that asks which size (elicitation tied to its task) before ordering.
  cafe = await startLegacyHttpServer({
    tag: "tasks-ext-cafe",
    serverOptions: {
      taskStore: new InMemoryTaskStore(),
      taskMessageQueue: new InMemoryTaskMessageQueue(),
      capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    },
    extend: (server) => {
      registerAskingOrderTool(server);
    },
  });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const kitchen = b.server({
        name: "kitchen",
        transport: "streamable-http",
        url: upstream.url,
        timeoutMs: 30_000,
      });
      b.addTools(kitchen, await pool.listTools(b.upstreamSpecForTest(kitchen)));
      const shop = b.server({ name: "cafe", transport: "streamable-http", url: cafe.url, timeoutMs: 30_000 });
      b.addTools(shop, await pool.listTools(b.upstreamSpecForTest(shop)));
      const agent: SnapshotAgent = b.agent("ext", "eng");
      b.grant({ agent }, kitchen, "*");
      b.grant({ agent }, shop, "*");
      key = b.key(agent).key;
    },
  });
  await pool.close();
  replica = await startTestGateway({
    names: h.names,
    spoolDir: await mkdtemp(join(tmpdir(), "pc-tasks-ext-replica-")),
  });
  await waitForVersion(replica, h.gateway.store.current()?.version ?? 1);
});

afterAll(async () => {
  await replica?.close();
  await h?.close();
  await upstream?.close();
  await cafe?.close();
});

interface Answer {
  status: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** One 2026-07-28 request (envelope and headers as the revision has them), `withTasks`: declaring the extension. */
async function rpc(
  method: string,
  params: Record<string, unknown>,
  withTasks = true,
  url = h.gateway.url,
): Promise<Answer> {
  const envelope = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "tasks-ext", version: "1.0.0" },
    "io.modelcontextprotocol/clientCapabilities": withTasks
      ? { elicitation: { form: {} }, extensions: { [TASKS]: {} } }
      : {},
  };
  const name = typeof params.name === "string" ? params.name : params.taskId;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": method,
      ...(typeof name === "string" && { "mcp-name": name }),
      authorization: `Bearer ${key}`,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params: { ...params, _meta: envelope } }),
  });
  const text = await res.text();
  const json = text.startsWith("{") ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? "{}");
  return { status: res.status, ...(JSON.parse(json) as Omit<Answer, "status">) };
}

const textOf = (result: unknown) =>
  ((result as { content?: Array<{ text?: string }> })?.content ?? []).map((b) => b.text).join("");

describe("the 2026-07-28 tasks extension", () => {
  it("is advertised under capabilities.extensions, never as a v1 tasks capability", async () => {
    const { result } = await rpc("server/discover", {});
    const capabilities = result?.capabilities as Record<string, unknown>;
    expect(capabilities.extensions).toMatchObject({ [TASKS]: {} });
    expect(capabilities).not.toHaveProperty("tasks");
  });

  it("a task-supporting tool answers a flat CreateTaskResult; tasks/get inlines its result", async () => {
    const created = await rpc("tools/call", { name: "kitchen__brew", arguments: { kind: "green" } });
    expect(created.error).toBeUndefined();
    expect(created.result).toMatchObject({
      resultType: "task",
      taskId: expect.stringMatching(/^tsk_/),
      status: "working",
      ttlMs: expect.any(Number),
      pollIntervalMs: expect.any(Number),
    });
    for (const legacy of ["task", "ttl", "pollInterval", "result", "requestState"])
      expect(created.result).not.toHaveProperty(legacy);
    const taskId = created.result?.taskId as string;
    await expect
      .poll(async () => (await rpc("tasks/get", { taskId })).result?.status, { timeout: 5_000 })
      .toBe("completed");
    const got = (await rpc("tasks/get", { taskId })).result!;
    expect(got).toMatchObject({ resultType: "complete", taskId, status: "completed" });
    expect(textOf(got.result)).toBe("brew done");
    expect(JSON.stringify(got.result)).not.toContain("related-task");

    // tasks/cancel of an ended task: the same empty ack, and the task stays completed.
    const ack = (await rpc("tasks/cancel", { taskId })).result;
    expect(ack).toMatchObject({ resultType: "complete" });
    expect(ack).not.toHaveProperty("taskId");
    expect((await rpc("tasks/get", { taskId })).result?.status).toBe("completed");
    expect((await rpc("tasks/update", { taskId, inputResponses: { nope: {} } })).result).toMatchObject({
      resultType: "complete",
    });
  });

  it("a task whose upstream asks for input shows it as inputRequests; tasks/update answers it, a part at a time", async () => {
    const created = await rpc("tools/call", { name: "cafe__order", arguments: { drink: "flat white" } });
    const taskId = created.result?.taskId as string;
    expect(taskId).toMatch(/^tsk_/);
    await expect
      .poll(async () => Object.keys((await rpc("tasks/get", { taskId })).result?.inputRequests ?? {}), {
        timeout: 5_000,
      })
      .toHaveLength(1);
    const waiting = (await rpc("tasks/get", { taskId })).result!;
    expect(waiting.status).toBe("input_required");
    const [key, request] = Object.entries(waiting.inputRequests as Record<string, unknown>)[0]!;
    expect(request).toMatchObject({
      method: "elicitation/create",
      params: { message: "Which size of flat white?" },
    });
    expect(JSON.stringify(request)).not.toContain("related-task");
    // A key naming nothing is ignored; the open question stays.
    await rpc("tasks/update", { taskId, inputResponses: { "not-asked": { action: "decline" } } });
    expect(Object.keys((await rpc("tasks/get", { taskId })).result?.inputRequests ?? {})).toEqual([key]);
    const ack = await rpc("tasks/update", {
      taskId,
      inputResponses: { [key!]: { action: "accept", content: { size: "large" } } },
    });
    expect(ack.result).toMatchObject({ resultType: "complete" });
    await expect
      .poll(async () => (await rpc("tasks/get", { taskId })).result?.status, { timeout: 5_000 })
      .toBe("completed");
    const done = (await rpc("tasks/get", { taskId })).result!;
    expect(textOf(done.result)).toBe("accept: a large flat white");
    expect(done).not.toHaveProperty("inputRequests");
    const events = await h.waitForEvents((all) =>
      all.some((e) => e.method === "elicitation/create" && e.agentName === "ext"),
    );
    expect(events.find((e) => e.method === "elicitation/create" && e.agentName === "ext")).toMatchObject({
      decision: "allowed",
      toolName: "order",
    });
  });

  it("the questions of a task running on one replica are shown and answered on another", async () => {
    const created = await rpc("tools/call", { name: "cafe__order", arguments: { drink: "cortado" } });
    const taskId = created.result?.taskId as string;
    expect(taskId).toMatch(/^tsk_/);
    const onReplica = (method: string, params: Record<string, unknown>) =>
      rpc(method, params, true, replica.url);
    await expect
      .poll(async () => Object.keys((await onReplica("tasks/get", { taskId })).result?.inputRequests ?? {}), {
        timeout: 5_000,
      })
      .toHaveLength(1);
    const waiting = (await onReplica("tasks/get", { taskId })).result!;
    expect(waiting.status).toBe("input_required");
    const [inputKey, request] = Object.entries(waiting.inputRequests as Record<string, unknown>)[0]!;
    expect(request).toMatchObject({
      method: "elicitation/create",
      params: { message: "Which size of cortado?" },
    });
    const ack = await onReplica("tasks/update", {
      taskId,
      inputResponses: { [inputKey!]: { action: "accept", content: { size: "small" } } },
    });
    expect(ack.result).toMatchObject({ resultType: "complete" });
    await expect
      .poll(async () => (await onReplica("tasks/get", { taskId })).result?.status, { timeout: 5_000 })
      .toBe("completed");
    const done = (await onReplica("tasks/get", { taskId })).result!;
    expect(textOf(done.result)).toBe("accept: a small cortado");
    expect(done).not.toHaveProperty("inputRequests");
  });

  it("a plain tool, or a request without the extension, answers directly", async () => {
    const sync = await rpc("tools/call", { name: "kitchen__echo", arguments: { message: "hi" } });
    expect(sync.result).toMatchObject({ resultType: "complete" });
    expect(sync.result).not.toHaveProperty("taskId");
    // A task-only upstream tool, for a client without the extension: run as an upstream task behind the call.
    const direct = await rpc("tools/call", { name: "kitchen__steep", arguments: { kind: "x" } }, false);
    expect(direct.result).toMatchObject({ resultType: "complete" });
    expect(textOf(direct.result)).toBe("steep done");
  });

  it("refuses tasks/* without the extension (-32021), unknown tasks (-32602), and the removed v1 methods (-32601)", async () => {
    const created = await rpc("tools/call", { name: "kitchen__steep", arguments: { kind: "y" } });
    const taskId = created.result?.taskId as string;
    expect(taskId).toMatch(/^tsk_/);
    const gated = await rpc("tasks/get", { taskId }, false);
    expect(gated.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { extensions: { [TASKS]: {} } } },
    });
    expect((await rpc("tasks/get", { taskId: "tsk_nosuchtask0000000000" })).error?.code).toBe(-32602);
    expect((await rpc("tasks/cancel", { taskId: "tsk_nosuchtask0000000000" })).error?.code).toBe(-32602);
    expect((await rpc("tasks/result", { taskId })).error?.code).toBe(-32601);
    expect((await rpc("tasks/list", {})).error?.code).toBe(-32601);
  });
});
