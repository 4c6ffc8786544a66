import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { McpServer as LegacyMcpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ElicitResultSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { configFile } from "@portcullis/contracts/config-file";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import {
  type FixtureServer,
  startLegacyHttpServer,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SECRET_KEY } from "./testing/gateway-harness";
import { type GatewayProcess, spawnGatewayProcess } from "./testing/gateway-process";
import { legacyPassthroughSurface, modernPassthroughSurface, waitCalls } from "./testing/passthrough-surface";

// Issue 9 point 4: a passthrough conversation continued on another gateway process than the
// one running the call. Two gateway OS processes on one Redis; each client's requests are
// routed by what they carry (a "load balancer" that sends continuations elsewhere): calls go
// to A, the client's answers, retries, cancellations and log levels to B.
const SECRET = "gateway-tests-secret-key-0123456789abcdef";
const REDIS_URL = "redis://127.0.0.1:6379";
const CAPABILITIES = { elicitation: { form: {}, url: {} }, sampling: {}, roots: { listChanged: false } };

const names = testRedisNames("xreplica");
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
let database: TestDatabase;
let legacy: FixtureServer;
let modern: FixtureServer;
const gateways: GatewayProcess[] = [];
const keys: Record<string, string> = {};
const gatewayEnv = {
  REDIS_URL,
  REDIS_PREFIX: names.prefix,
  PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
  PORTCULLIS_SECRET_KEY: SECRET,
  // "gateway listening" (info) is what the spawner waits for.
  LOG_LEVEL: "info",
};

beforeAll(async () => {
  [database, legacy, modern] = await Promise.all([
    createTestDatabase({ name: "cross_replica" }),
    startLegacyHttpServer({ tag: "legacy", extend: chattySurface }),
    startModernHttpServer({ tag: "modern", extend: modernPassthroughSurface }),
  ]);
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const actor = { type: "cli" as const, name: "cross-replica-test" };
  const file = configFile.parse({
    servers: [
      { name: "up25", transport: "streamable-http", url: legacy.url, allowSampling: true },
      { name: "up26", transport: "streamable-http", url: modern.url, allowSampling: true },
      // Sampling at its default (off).
      { name: "strict", transport: "streamable-http", url: legacy.url },
    ],
    teams: [{ name: "eng" }],
    agents: [
      { name: "relay-bot", team: "eng" },
      { name: "quiet-bot", team: "eng" },
    ],
    grants: ["up25", "up26", "strict"].map((server) => ({
      team: "eng",
      server,
      tools: ["*"],
      effect: "allow",
    })),
  });
  await applyAndPublish({ db: database.db, redis, names, pool, secretKey: TEST_SECRET_KEY }, file, {
    actor,
    env: {},
  });
  await pool.close();
  for (const agent of ["relay-bot", "quiet-bot"])
    keys[agent] = (await createApiKey(database.db, { agentName: agent, actor })).key;
  await publishSnapshot(database.db, redis, names, { secretKey: TEST_SECRET_KEY, createdBy: "test" });
  for (let i = 0; i < 2; i++) {
    const spool = await mkdtemp(join(tmpdir(), `pc-xreplica-${i}-`));
    gateways.push(
      await spawnGatewayProcess(["--import", "tsx", "apps/gateway/src/main.ts"], {
        ...gatewayEnv,
        GATEWAY_SPOOL_DIR: spool,
      }),
    );
  }
  await peersListening(2);
}, 120_000);

/** Waits until `count` gateway processes listen on their peer channels (each subscribes as it starts). */
async function peersListening(count: number): Promise<void> {
  const pattern = `${names.prefix}:passthrough:peer:*`;
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    if ((await redis.pubsub("CHANNELS", pattern)).length >= count) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`fewer than ${count} gateway processes listen on their peer channels`);
}

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await legacy?.close();
  await modern?.close();
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database?.drop();
});

/** The 2025 passthrough surface, plus a tool that logs and reports progress after its question is answered. */
function chattySurface(server: LegacyMcpServer): void {
  legacyPassthroughSurface(server);
  server.registerTool("chatty", { description: "Asks, then logs and reports progress." }, async (extra) => {
    const answer = await extra.sendRequest(
      { method: "elicitation/create", params: { message: "Your name?", requestedSchema: NAME_FORM } },
      ElicitResultSchema,
    );
    await extra.sendNotification({
      method: "notifications/message",
      params: { level: "warning", data: `hello ${String(answer.content?.name)}` },
    });
    const progressToken = extra._meta?.progressToken;
    if (progressToken !== undefined)
      await extra.sendNotification({
        method: "notifications/progress",
        params: { progressToken, progress: 1, total: 1 },
      });
    return { content: [{ type: "text", text: "chatted" }] };
  });
}

const NAME_FORM = {
  type: "object" as const,
  properties: { name: { type: "string" as const } },
  required: ["name"],
};

type Where = "a" | "b";

/** What the router saw: which process got which JSON-RPC message. */
interface Routed {
  where: Where;
  message: Record<string, unknown>;
}

/**
 * A fetch that sends each POSTed message to gateway A (`a`, else the first) or B as `route`
 * says (GET and DELETE, which carry no message, to A), and records where each went.
 */
function routingFetch(
  route: (message: Record<string, unknown>) => Where,
  log: Routed[],
  a: GatewayProcess | undefined = undefined,
  wire: string[] | undefined = undefined,
) {
  return (url: string | URL, init?: RequestInit) => {
    let where: Where = "a";
    if (typeof init?.body === "string") {
      const message = JSON.parse(init.body) as Record<string, unknown>;
      where = route(message);
      log.push({ where, message });
    }
    const target = new URL(where === "a" ? (a ?? gateways[0]!).url : gateways[1]!.url);
    const original = new URL(String(url));
    target.search = original.search;
    const response = fetch(target, init);
    // What a call's response carried, as sent (the SDK client's own handling aside).
    if (wire && typeof init?.body === "string" && init.body.includes('"tools/call"'))
      void response.then((r) =>
        r
          .clone()
          .text()
          .then((text) => void wire.push(text)),
      );
    return response;
  };
}

/** Continuations to B: responses to the gateway's requests, notifications, setLevel, retries with requestState. */
const continuationsToB = (message: Record<string, unknown>): Where => {
  const params = message.params as Record<string, unknown> | undefined;
  if (message.method === undefined) return "b";
  if (typeof message.method === "string" && message.method.startsWith("notifications/cancelled")) return "b";
  if (message.method === "logging/setLevel") return "b";
  if (message.method === "tools/call" && params?.requestState !== undefined) return "b";
  return "a";
};

const textOf = (result: unknown) =>
  (((result as { content?: unknown }).content as Array<{ text?: string }>) ?? []).map((b) => b.text).join("");

async function legacyClient(key: string, log: Routed[], logs: Array<{ level: string; data: unknown }> = []) {
  const client = new LegacyClient({ name: "legacy-xreplica", version: "1" }, { capabilities: CAPABILITIES });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push({ level: n.params.level, data: n.params.data });
  });
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { name: "Ada" } }));
  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: "assistant",
    content: { type: "text", text: "old pond, a frog" },
    model: "test-model",
  }));
  client.setRequestHandler(ListRootsRequestSchema, () => ({
    roots: [{ uri: "file:///work/repo", name: "repo" }],
  }));
  await client.connect(
    new LegacyTransport(new URL(gateways[0]!.url), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
      fetch: routingFetch(continuationsToB, log),
    }),
  );
  return client;
}

async function modernClient(
  key: string,
  log: Routed[],
  options: {
    via?: GatewayProcess;
    beforeAnswer?: () => Promise<void>;
    logs?: Array<{ level: string; data: unknown }>;
    wire?: string[];
  } = {},
) {
  const client = new ModernClient(
    { name: "modern-xreplica", version: "2" },
    { capabilities: CAPABILITIES, versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  client.setNotificationHandler("notifications/message", (n) => {
    options.logs?.push({ level: n.params.level, data: n.params.data });
  });
  client.setRequestHandler("elicitation/create", async () => {
    await options.beforeAnswer?.();
    return { action: "accept" as const, content: { name: "Ada" } };
  });
  client.setRequestHandler("sampling/createMessage", () => ({
    role: "assistant",
    content: { type: "text", text: "old pond, a frog" },
    model: "test-model",
  }));
  client.setRequestHandler("roots/list", () => ({ roots: [{ uri: "file:///work/repo", name: "repo" }] }));
  await client.connect(
    new ModernTransport(new URL(gateways[0]!.url), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
      fetch: routingFetch(continuationsToB, log, options.via, options.wire),
    }),
  );
  return client;
}

/** The client's answers that went to B (so the test shows the conversation crossed processes). */
const answersToB = (log: Routed[]) => log.filter((r) => r.where === "b" && r.message.method === undefined);

describe("a 2025-11-25 client whose answers reach the other gateway process", () => {
  it.each([
    ["up25__ask", 'accept {"name":"Ada"}'],
    ["up25__sample", "sampled: old pond, a frog"],
    ["up25__roots", "roots: file:///work/repo"],
  ])("%s: the upstream's request is answered through B while A runs the call", async (tool, expected) => {
    const log: Routed[] = [];
    const client = await legacyClient(keys["relay-bot"]!, log);
    try {
      expect(textOf(await client.callTool({ name: tool, arguments: {} }))).toBe(expected);
      expect(answersToB(log)).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it("is refused sampling by a server at the default (sampling off), without being asked", async () => {
    const log: Routed[] = [];
    const client = await legacyClient(keys["relay-bot"]!, log);
    try {
      expect(textOf(await client.callTool({ name: "strict__sample", arguments: {} }))).toMatch(
        /^sampling failed: .*Portcullis refused sampling\/createMessage: .*allowSampling/,
      );
      expect(answersToB(log)).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it("cancels through B a call running on A: the upstream call is cancelled", async () => {
    const log: Routed[] = [];
    const client = await legacyClient(keys["relay-bot"]!, log);
    try {
      const [started, aborted] = [waitCalls.started, waitCalls.aborted];
      const running = client.callTool({ name: "up25__wait", arguments: {} }).catch(() => null);
      // Running upstream (a cancellation before that ends the call before it reaches the upstream).
      await expect.poll(() => waitCalls.started, { timeout: 5_000 }).toBe(started + 1);
      const call = log.find((r) => r.message.method === "tools/call")!;
      expect(call.where).toBe("a");
      // The call's own request stays open on A: only the notification sent to B can cancel it.
      await client.notification({
        method: "notifications/cancelled",
        params: { requestId: call.message.id as string, reason: "changed my mind" },
      });
      await expect.poll(() => waitCalls.aborted, { timeout: 5_000 }).toBe(aborted + 1);
      expect(log.filter((r) => r.message.method === "notifications/cancelled").map((r) => r.where)).toEqual([
        "b",
      ]);
      await running;
    } finally {
      await client.close();
    }
  });

  it("sets its log level through B: A forwards only the messages at or above it", async () => {
    const log: Routed[] = [];
    const logs: Array<{ level: string; data: unknown }> = [];
    const client = await legacyClient(keys["quiet-bot"]!, log, logs);
    try {
      await client.setLoggingLevel("error");
      expect(log.find((r) => r.message.method === "logging/setLevel")?.where).toBe("b");
      // Pub/sub: A hears it shortly after B answered.
      await expect
        .poll(
          async () => {
            logs.length = 0;
            await client.callTool({ name: "up25__log", arguments: {} });
            return logs;
          },
          { timeout: 5_000 },
        )
        .toEqual([{ level: "error", data: "almost failed" }]);
    } finally {
      await client.close();
    }
  });

  it("an answer for a call whose process is gone is refused with a clear error", async () => {
    const response = await fetch(gateways[1]!.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${keys["relay-bot"]}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: "portcullis-nosuchprocess1.0000", result: {} }),
    });
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/ran on a gateway process that is gone/);
  });
});

describe("a 2026-07-28 client whose retries reach the other gateway process", () => {
  it.each([
    ["up26__ask", 'accept {"name":"Ada"}'],
    ["up26__sample", "sampled: old pond, a frog"],
    ["up25__ask", 'accept {"name":"Ada"}'],
    ["up25__roots", "roots: file:///work/repo"],
  ])("%s: the retry with the answers resumes on A the call A suspended", async (tool, expected) => {
    const log: Routed[] = [];
    const client = await modernClient(keys["relay-bot"]!, log);
    try {
      expect(textOf(await client.callTool({ name: tool, arguments: {} }))).toBe(expected);
      const retries = log.filter((r) => r.message.method === "tools/call" && r.where === "b");
      expect(retries).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it("gets the log messages and progress of the round A runs for the retry B received", async () => {
    const log: Routed[] = [];
    const logs: Array<{ level: string; data: unknown }> = [];
    const progress: number[] = [];
    const wire: string[] = [];
    const client = await modernClient(keys["relay-bot"]!, log, { logs, wire });
    try {
      const result = await client.callTool(
        { name: "up25__chatty", arguments: {} },
        {
          onprogress: (p) => void progress.push(p.progress),
        },
      );
      expect(textOf(result)).toBe("chatted");
      expect(logs).toEqual([{ level: "warning", data: "hello Ada" }]);
      expect(progress).toContain(1);
      // Sent once: the v2 SDK client (2.4) calls onprogress twice for it across a retried
      // round, whichever process serves the rounds, so the count is read off the wire.
      await expect.poll(() => wire.join("").split('"notifications/progress"').length - 1).toBe(1);
      expect(log.filter((r) => r.message.method === "tools/call").map((r) => r.where)).toEqual(["a", "b"]);
    } finally {
      await client.close();
    }
  });

  it("a retry for a call whose process is gone gets a clear error, not a new call", async () => {
    const doomed = await spawnGatewayProcess(["--import", "tsx", "apps/gateway/src/main.ts"], {
      ...gatewayEnv,
      GATEWAY_SPOOL_DIR: await mkdtemp(join(tmpdir(), "pc-xreplica-doomed-")),
    });
    await peersListening(3);
    const log: Routed[] = [];
    // The process running the call stops while the client is answering the elicitation.
    const client = await modernClient(keys["relay-bot"]!, log, {
      via: doomed,
      beforeAnswer: async () => void (await doomed.stop()),
    });
    try {
      await expect(client.callTool({ name: "up25__ask", arguments: {} })).rejects.toThrow(
        /was running on a gateway process that is gone/,
      );
      expect(log.filter((r) => r.message.method === "tools/call").map((r) => r.where)).toEqual(["a", "b"]);
    } finally {
      await client.close();
      await doomed.stop();
    }
  });
});
