import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  InMemoryTaskMessageQueue,
  InMemoryTaskStore,
} from "@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js";
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { registerAskingOrderTool } from "@portcullis/testkit/asking-task-tool";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RunningGateway } from "./start-gateway";
import {
  type GatewayHarness,
  startGatewayHarness,
  startTestGateway,
  waitForVersion,
} from "./testing/gateway-harness";

// Issue 9 point 2: a task's call that needs the user (2025-11-25 `input_required`). The
// upstream runs the tool as a task and sends its elicitation or sampling request tied to that
// task (related-task `_meta`) on the tasks/result side channel; the gateway relays it to the
// client, governed as in a plain call: server settings, one audit event per request.
const RELATED_TASK = "io.modelcontextprotocol/related-task";
let upstream: FixtureServer;
let h: GatewayHarness;
/** A second replica of the installation (its own process state, the same Redis). */
let replica: RunningGateway;
const keys: Record<string, string> = {};
/** Task ids the upstream created (none may reach a client). */
const upstreamTaskIds: string[] = [];

beforeAll(async () => {
  upstream = await startLegacyHttpServer({
    tag: "task-input",
    serverOptions: {
      taskStore: new InMemoryTaskStore(),
      taskMessageQueue: new InMemoryTaskMessageQueue(),
      capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } },
    },
    extend: (server) => {
      // Asks which size (elicitation tied to its task), then orders it.
      registerAskingOrderTool(server, (taskId) => void upstreamTaskIds.push(taskId));
      // Task-only; asks the client's model (sampling tied to its task).
      server.experimental.tasks.registerToolTask(
        "haiku",
        {
          description: "Writes a haiku.",
          inputSchema: { topic: z.string() },
          execution: { taskSupport: "required" },
        },
        {
          createTask: async ({ topic }, extra) => {
            const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 20 });
            upstreamTaskIds.push(task.taskId);
            void (async () => {
              await extra.taskStore.updateTaskStatus(task.taskId, "input_required");
              const sampled = await server.server.createMessage(
                {
                  messages: [{ role: "user", content: { type: "text", text: `a haiku on ${topic}` } }],
                  maxTokens: 50,
                },
                { relatedTask: { taskId: task.taskId } },
              );
              await extra.taskStore.storeTaskResult(task.taskId, "completed", {
                content: [{ type: "text", text: JSON.stringify(sampled.content) }],
              });
            })().catch((err: unknown) =>
              extra.taskStore.storeTaskResult(task.taskId, "completed", {
                content: [{ type: "text", text: `sampling failed: ${String(err)}` }],
                isError: true,
              }),
            );
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
      // allowSampling stays off (the default): haiku's request is refused.
      const cafe = b.server({
        name: "cafe",
        transport: "streamable-http",
        url: upstream.url,
        timeoutMs: 30_000,
      });
      b.addTools(cafe, await pool.listTools(b.upstreamSpecForTest(cafe)));
      const ada = b.agent("ada", "eng");
      b.grant({ agent: ada }, cafe, "*");
      keys.ada = b.key(ada).key;
    },
  });
  await pool.close();
  replica = await startTestGateway({
    names: h.names,
    spoolDir: await mkdtemp(join(tmpdir(), "pc-task-input-replica-")),
  });
  await waitForVersion(replica, h.gateway.store.current()?.version ?? 1);
});

afterAll(async () => {
  await replica?.close();
  await h?.close();
  await upstream?.close();
});

interface Asked {
  elicitations: Array<Record<string, unknown>>;
  samplings: number;
}

/** tools/call to the first gateway, everything else (tasks/result, the answers) to the replica. */
const callsHereRestThere: typeof fetch = (url, init) => {
  const body = typeof init?.body === "string" ? init.body : "";
  const target = new URL(body.includes('"tools/call"') ? h.gateway.url : replica.url);
  target.search = new URL(String(url)).search;
  return fetch(target, init);
};

async function connect(routed = false): Promise<{ client: LegacyClient; asked: Asked }> {
  const asked: Asked = { elicitations: [], samplings: 0 };
  const client = new LegacyClient(
    { name: "task-input-client", version: "1" },
    { capabilities: { elicitation: { form: {} }, sampling: {} } },
  );
  client.setRequestHandler(ElicitRequestSchema, (r) => {
    asked.elicitations.push(r.params as Record<string, unknown>);
    return { action: "accept", content: { size: "large" } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, () => {
    asked.samplings++;
    return { role: "assistant", content: { type: "text", text: "never" }, model: "m" };
  });
  await client.connect(
    new LegacyTransport(new URL(h.gateway.url), {
      requestInit: { headers: { Authorization: `Bearer ${keys.ada}` } },
      ...(routed && { fetch: callsHereRestThere }),
    }),
  );
  return { client, asked };
}

async function startTask(client: LegacyClient, name: string, args: Record<string, unknown>) {
  const { task } = (await client.request(
    { method: "tools/call", params: { name, arguments: args, task: { ttl: 60_000 } } },
    z.object({ task: z.object({ taskId: z.string(), status: z.string() }) }),
  )) as { task: { taskId: string; status: string } };
  return task.taskId;
}

const textOf = (result: { content?: unknown }) =>
  ((result.content as Array<{ text?: string }>) ?? []).map((b) => b.text).join("");

const audited = (method: string, match: Partial<AuditEvent>) =>
  h.waitForEvents((all) =>
    all.some(
      (e) => e.method === method && Object.entries(match).every(([k, v]) => e[k as keyof AuditEvent] === v),
    ),
  );

describe("a task that needs input (2025-11-25 input_required)", () => {
  it("reads input_required, and its elicitation reaches the client on tasks/result, tagged with the gateway's task", async () => {
    const { client, asked } = await connect();
    try {
      const taskId = await startTask(client, "cafe__order", { drink: "flat white" });
      await expect
        .poll(async () => (await client.experimental.tasks.getTask(taskId)).status, { timeout: 5_000 })
        .toBe("input_required");
      const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
      expect(textOf(result)).toBe("accept: a large flat white");
      expect(asked.elicitations).toHaveLength(1);
      expect(asked.elicitations[0]).toMatchObject({
        message: "Which size of flat white?",
        _meta: { [RELATED_TASK]: { taskId } },
      });
      expect((await client.experimental.tasks.getTask(taskId)).status).toBe("completed");
      // The upstream's own task ids stay behind the gateway.
      for (const id of upstreamTaskIds) expect(JSON.stringify(asked.elicitations)).not.toContain(id);
      const events = await audited("elicitation/create", { agentName: "ada", toolName: "order" });
      expect(events.find((e) => e.method === "elicitation/create")).toMatchObject({ decision: "allowed" });
    } finally {
      await client.close();
    }
  });

  it("a tasks/result on another replica than the one running the call relays its elicitation, and the answer reaches the call", async () => {
    const { client, asked } = await connect(true);
    try {
      const taskId = await startTask(client, "cafe__order", { drink: "cortado" });
      await expect
        .poll(async () => (await client.experimental.tasks.getTask(taskId)).status, { timeout: 5_000 })
        .toBe("input_required");
      const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
      expect(textOf(result)).toBe("accept: a large cortado");
      expect(asked.elicitations).toHaveLength(1);
      expect(asked.elicitations[0]).toMatchObject({
        message: "Which size of cortado?",
        _meta: { [RELATED_TASK]: { taskId } },
      });
    } finally {
      await client.close();
    }
  });

  it("a plain call of a task tool that asks for input relays the request on the call's stream, without the upstream's task", async () => {
    const { client, asked } = await connect();
    try {
      const result = (await client.callTool({ name: "cafe__order", arguments: { drink: "mocha" } })) as {
        content?: unknown;
      };
      expect(textOf(result)).toBe("accept: a large mocha");
      expect(asked.elicitations).toHaveLength(1);
      expect(asked.elicitations[0]).toMatchObject({ message: "Which size of mocha?" });
      expect(asked.elicitations[0]?._meta ?? {}).not.toHaveProperty(RELATED_TASK);
    } finally {
      await client.close();
    }
  });

  it("sampling by a server without allowSampling is refused upstream and audited; the client is never asked", async () => {
    const { client, asked } = await connect();
    try {
      const taskId = await startTask(client, "cafe__haiku", { topic: "autumn" });
      const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /sampling failed: .*Portcullis refused sampling\/createMessage: server 'cafe' is not allowed to sample the client's model \(allowSampling is off\)/,
      );
      expect(asked.samplings).toBe(0);
      const events = await audited("sampling/createMessage", { agentName: "ada", decision: "denied" });
      expect(
        events.filter((e) => e.method === "sampling/createMessage" && e.agentName === "ada"),
      ).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
