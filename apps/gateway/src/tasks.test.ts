import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTaskStore } from "@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import type { SnapshotAgent, SnapshotServer } from "@portcullis/contracts/snapshot";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CLIENTS } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness, startTestGateway } from "./testing/gateway-harness";

// Issue 9 point 2: tasks as 2025-11-25 defines them (task-augmented tools/call, tasks/get,
// tasks/result, tasks/list, tasks/cancel) through the gateway, with grants applied: a task
// of a call the agent may not make cannot be read, and one agent's task ids are unknown to another.
let upstream: FixtureServer;
let h: GatewayHarness;
let kitchen: SnapshotServer;
let alice: SnapshotAgent;
const keys: Record<string, string> = {};
/** Brews that have not finished yet: the test finishes them (no timing in the test). */
const kettles = new Map<string, () => void>();

beforeAll(async () => {
  // A v1 SDK server whose `brew` tool is a task tool (taskSupport optional): the SDK runs it as a task.
  upstream = await startLegacyHttpServer({
    tag: "tasks",
    serverOptions: {
      taskStore: new InMemoryTaskStore(),
      capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    },
    extend: (server) => {
      server.experimental.tasks.registerToolTask(
        "brew",
        {
          description: "Brews tea; finishes when the test says so.",
          inputSchema: { kind: z.string() },
          execution: { taskSupport: "optional" },
        },
        {
          createTask: async ({ kind }, extra) => {
            const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 20 });
            kettles.set(kind, () => {
              kettles.delete(kind);
              // The gateway cancels the upstream task of a cancelled one: nothing to store then.
              void extra.taskStore
                .storeTaskResult(task.taskId, "completed", {
                  content: [{ type: "text", text: `a pot of ${kind} tea` }],
                })
                .catch(() => undefined);
            });
            return { task };
          },
          getTask: async (_args, extra) => (await extra.taskStore.getTask(extra.taskId))!,
          getTaskResult: async (_args, extra) =>
            (await extra.taskStore.getTaskResult(extra.taskId)) as { content: [] },
        },
      );
      // A task-only tool: a plain tools/call is refused by the SDK; the gateway calls it as a task.
      server.experimental.tasks.registerToolTask(
        "steep",
        {
          description: "Steeps; task-only.",
          inputSchema: { leaf: z.string() },
          execution: { taskSupport: "required" },
        },
        {
          createTask: async ({ leaf }, extra) => {
            const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 20 });
            setImmediate(() => {
              void extra.taskStore.storeTaskResult(task.taskId, "completed", {
                content: [{ type: "text", text: `steeped ${leaf}` }],
              });
            });
            return { task };
          },
          getTask: async (_args, extra) => (await extra.taskStore.getTask(extra.taskId))!,
          getTaskResult: async (_args, extra) =>
            (await extra.taskStore.getTaskResult(extra.taskId)) as { content: [] },
        },
      );
    },
  });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      kitchen = b.server({
        name: "kitchen",
        transport: "streamable-http",
        url: upstream.url,
        timeoutMs: 30_000,
      });
      b.addTools(kitchen, await pool.listTools(b.upstreamSpecForTest(kitchen)));
      alice = b.agent("alice", "eng");
      b.grant({ agent: alice }, kitchen, "*");
      keys.alice = b.key(alice).key;
      const mallory = b.agent("mallory", "eng");
      b.grant({ agent: mallory }, kitchen, "*");
      keys.mallory = b.key(mallory).key;
      const carol = b.agent("carol", "eng");
      b.grant({ agent: carol }, kitchen, "*");
      keys.carol = b.key(carol).key;
      const bob = b.agent("bob", "eng");
      b.grant({ agent: bob }, kitchen, "echo");
      keys.bob = b.key(bob).key;
      b.portal("teahouse", [{ server: kitchen, tools: ["*"] }], { naming: "bare" });
    },
  });
  await pool.close();
});

afterAll(async () => {
  for (const finish of kettles.values()) finish();
  await h?.close();
  await upstream?.close();
});

async function connect(key: string, url = h.gateway.url) {
  const client = new LegacyClient({ name: "tasks-client", version: "1" });
  await client.connect(
    new LegacyTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

/** Starts a task-augmented call and returns its task (the call runs on in the gateway). */
async function startBrew(client: LegacyClient, kind: string) {
  const { task } = (await client.request(
    { method: "tools/call", params: { name: "kitchen__brew", arguments: { kind }, task: { ttl: 60_000 } } },
    z.object({ task: z.object({ taskId: z.string(), status: z.string(), ttl: z.number().nullable() }) }),
  )) as { task: { taskId: string; status: string; ttl: number | null } };
  return task;
}

const textOf = (result: { content?: unknown }) =>
  ((result.content as Array<{ text?: string }>) ?? []).map((b) => b.text).join("");

describe("tasks of revision 2025-11-25", () => {
  it("a task-augmented call answers a task at once; tasks/get, tasks/result and tasks/list follow it", async () => {
    const client = await connect(keys.alice!);
    try {
      expect(client.getServerCapabilities()?.tasks).toMatchObject({ requests: { tools: { call: {} } } });
      const task = await startBrew(client, "green");
      expect(task).toMatchObject({ taskId: expect.stringMatching(/^tsk_/), status: "working", ttl: 60_000 });
      expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe("working");

      const result = client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      await expect.poll(() => kettles.has("green"), { timeout: 5_000 }).toBe(true);
      kettles.get("green")!();
      expect(textOf(await result)).toBe("a pot of green tea");
      expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe("completed");
      const listed = await client.experimental.tasks.listTasks();
      expect(listed.tasks.map((t) => t.taskId)).toContain(task.taskId);

      // The call is audited once, as a tools/call, when it ended.
      const events = await h.waitForEvents((all) =>
        all.some((e) => e.agentName === "alice" && e.method === "tools/call" && e.resultSummary !== null),
      );
      const call = events.filter((e) => e.agentName === "alice" && e.method === "tools/call");
      expect(call).toHaveLength(1);
      expect(call[0]).toMatchObject({ decision: "allowed", toolName: "brew", upstreamStatus: "ok" });
    } finally {
      await client.close();
    }
  });

  it("the streaming helper of the SDK client runs a task through the gateway end to end", async () => {
    const client = await connect(keys.alice!);
    try {
      const seen: string[] = [];
      const finishing = expect
        .poll(() => kettles.has("oolong"), { timeout: 5_000 })
        .toBe(true)
        .then(() => kettles.get("oolong")!());
      let text = "";
      for await (const message of client.experimental.tasks.callToolStream(
        { name: "kitchen__brew", arguments: { kind: "oolong" } },
        CallToolResultSchema,
        { task: { ttl: 60_000 } },
      )) {
        seen.push(message.type);
        if (message.type === "result") text = textOf(message.result);
        if (message.type === "error") throw message.error;
      }
      await finishing;
      expect(seen[0]).toBe("taskCreated");
      expect(seen.at(-1)).toBe("result");
      expect(text).toBe("a pot of oolong tea");
    } finally {
      await client.close();
    }
  });

  it("another agent cannot read, list or cancel a task; a call the agent may not make creates none", async () => {
    const owner = await connect(keys.alice!);
    const other = await connect(keys.mallory!);
    const bob = await connect(keys.bob!);
    try {
      const task = await startBrew(owner, "black");
      await expect(other.experimental.tasks.getTask(task.taskId)).rejects.toThrow(/unknown task/);
      await expect(other.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/unknown task/);
      await expect(other.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)).rejects.toThrow(
        /unknown task/,
      );
      expect((await other.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).not.toContain(
        task.taskId,
      );
      await expect(startBrew(bob, "denied")).rejects.toThrow(/denied/);
      expect((await bob.experimental.tasks.listTasks()).tasks).toEqual([]);

      // The owner cancels: the task ends cancelled, and its result says so.
      expect((await owner.experimental.tasks.cancelTask(task.taskId)).status).toBe("cancelled");
      await expect(owner.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)).rejects.toThrow(
        /was cancelled/,
      );
      await expect(owner.experimental.tasks.cancelTask(task.taskId)).rejects.toThrow(/already ended/);
    } finally {
      await owner.close();
      await other.close();
      await bob.close();
    }
  });

  it.each(CLIENTS)(
    "tools/list tells a 2025-11-25 client each tool's taskSupport, on /mcp and through a portal ($revision client)",
    async ({ revision, connect: connectClient }) => {
      for (const url of [h.gateway.url, `${h.gateway.url}/teahouse`]) {
        const client = await connectClient(url, keys.alice);
        try {
          const { tools } = await client.listTools();
          const execution = (name: string) =>
            (tools.find((t) => t.name.endsWith(name)) as { execution?: unknown } | undefined)?.execution;
          if (revision === "2025-11-25") {
            expect(execution("brew")).toEqual({ taskSupport: "optional" });
            expect(execution("steep")).toEqual({ taskSupport: "required" });
          } else {
            // 2026-07-28 moved taskSupport to the tasks extension, which the gateway does not serve.
            expect(tools.map((t) => t.name).some((n) => n.endsWith("brew"))).toBe(true);
            expect(tools.every((t) => !("execution" in t))).toBe(true);
          }
        } finally {
          await client.close();
        }
      }
    },
  );

  it("another replica answers for a task, and its cancellation stops the call where it runs", async () => {
    const spoolDir = await mkdtemp(join(tmpdir(), "pc-tasks-b-"));
    const replica = await startTestGateway({ names: h.names, spoolDir });
    const here = await connect(keys.carol!);
    const there = await connect(keys.carol!, replica.url);
    try {
      const task = await startBrew(here, "cross");
      await expect.poll(() => kettles.has("cross"), { timeout: 5_000 }).toBe(true);
      expect((await there.experimental.tasks.getTask(task.taskId)).status).toBe("working");
      expect((await there.experimental.tasks.cancelTask(task.taskId)).status).toBe("cancelled");
      // The call was running on the first gateway: it is aborted there, and audited as it ended.
      const events = await h.waitForEvents((all) =>
        all.some((e) => e.agentName === "carol" && e.method === "tools/call" && e.isError),
      );
      expect(
        events.filter((e) => e.agentName === "carol" && e.method === "tools/call" && e.isError),
      ).toHaveLength(1);
      expect((await here.experimental.tasks.getTask(task.taskId)).status).toBe("cancelled");
    } finally {
      kettles.get("cross")?.();
      await here.close();
      await there.close();
      await replica.close(2_000);
      await rm(spoolDir, { recursive: true, force: true });
    }
  });

  it.each(CLIENTS)(
    "a $revision client's plain call of an upstream's task-only tool is run as an upstream task",
    async ({ connect: connectClient }) => {
      const client = await connectClient(h.gateway.url, keys.mallory);
      try {
        const result = await client.callTool("kitchen__steep", { leaf: "sencha" });
        expect(textOf(result)).toBe("steeped sencha");
        expect(JSON.stringify(result)).not.toContain("related-task");
      } finally {
        await client.close();
      }
    },
  );

  it("a task whose tool the agent may no longer call cannot be read", async () => {
    const client = await connect(keys.alice!);
    try {
      const task = await startBrew(client, "white");
      await expect.poll(() => kettles.has("white"), { timeout: 5_000 }).toBe(true);
      kettles.get("white")!();
      h.builder.grant({ agent: alice }, kitchen, "brew", "deny");
      const version = await h.publish();
      await expect.poll(() => h.gateway.store.current()?.version, { timeout: 5_000 }).toBe(version);
      await expect(client.experimental.tasks.getTask(task.taskId)).rejects.toThrow(/may no longer make/);
      await expect(
        client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema),
      ).rejects.toThrow(/may no longer make/);
      expect((await client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).not.toContain(
        task.taskId,
      );
    } finally {
      await client.close();
    }
  });
});
