import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLegacyClient } from "./testing/clients";
import { TEST_SECRET_KEY } from "./testing/gateway-harness";
import { type GatewayProcess, spawnGatewayProcess } from "./testing/gateway-process";
import { SnapshotBuilder } from "./testing/snapshot-builder";

// Issue 9 point 4: an `Mcp-Session-Id` session opened on one gateway process continues on
// another (state in Redis): requests, the GET event stream, and Last-Event-ID resumption.
const REDIS_URL = "redis://127.0.0.1:6379";
const names = testRedisNames("gw-sessions");
let redis: Redis;
let upstream: FixtureServer;
let builder: SnapshotBuilder;
let version = 0;
let key = "";
let otherKey = "";
const gateways: GatewayProcess[] = [];
const spoolDirs: string[] = [];

const publish = async () => {
  version += 1;
  await writeSnapshotToRedis(redis, names, version, JSON.stringify(builder.build(version)), TEST_SECRET_KEY);
};

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  upstream = await startLegacyHttpServer({ tag: "sessions" });
  builder = new SnapshotBuilder(TEST_SECRET_KEY);
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const server = builder.server({ name: "docs", transport: "streamable-http", url: upstream.url });
  builder.addTools(server, await pool.listTools(builder.upstreamSpecForTest(server)));
  await pool.close();
  const agent = builder.agent("session-user", "eng");
  builder.grant({ agent }, server, "*");
  key = builder.key(agent).key;
  otherKey = builder.key(builder.agent("someone-else", "eng")).key;
  await publish();
  for (let i = 0; i < 2; i++) spoolDirs.push(await mkdtemp(join(tmpdir(), `pc-sessions-${i}-`)));
  gateways.push(
    ...(await Promise.all(
      spoolDirs.map((dir) =>
        spawnGatewayProcess(["--import", "tsx", "apps/gateway/src/main.ts"], {
          REDIS_URL,
          REDIS_PREFIX: names.prefix,
          PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
          PORTCULLIS_SECRET_KEY: "gateway-tests-secret-key-0123456789abcdef",
          GATEWAY_SPOOL_DIR: dir,
          GATEWAY_SHUTDOWN_GRACE_MS: "2000",
          LOG_LEVEL: "info",
        }),
      ),
    )),
  );
}, 90_000);

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await upstream?.close();
  await cleanupRedisPrefix(redis, names.prefix);
  redis?.disconnect();
  for (const dir of spoolDirs) await rm(dir, { recursive: true, force: true });
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}, bearer = key) =>
  fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${bearer}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...headers,
    },
    body: JSON.stringify(body),
  });

/** Reads SSE events from a GET stream until `count` messages arrived (ids and data). */
async function readEvents(
  url: string,
  session: string,
  count: number,
  lastEventId?: string,
  onOpen?: () => Promise<void>,
): Promise<Array<{ id: string; data: unknown }>> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: {
      authorization: `Bearer ${key}`,
      accept: "text/event-stream",
      "mcp-session-id": session,
      "mcp-protocol-version": "2025-11-25",
      ...(lastEventId && { "last-event-id": lastEventId }),
    },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  await onOpen?.();
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ id: string; data: unknown }> = [];
  let buffer = "";
  const deadline = setTimeout(() => controller.abort(), 15_000);
  try {
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id && data) events.push({ id, data: JSON.parse(data) });
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return events;
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};
const LIST = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} };
const LIST_CHANGED = { jsonrpc: "2.0", method: "notifications/tools/list_changed" };

describe("sessions across gateway processes", () => {
  it("a session opened on one process serves requests, streams and resumes on the other", async () => {
    const [a, b] = gateways.map((g) => g.url) as [string, string];
    const init = await post(a, INITIALIZE);
    expect(init.status).toBe(200);
    const session = init.headers.get("mcp-session-id")!;
    expect(session).toMatch(/^[\x21-\x7e]+$/);
    await init.text();

    const listed = await post(b, LIST, { "mcp-session-id": session });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("mcp-session-id")).toBe(session);
    expect(await listed.text()).toContain("docs__echo");

    // The stream on B hears a snapshot change (whichever process noticed it first told it).
    const [first] = await readEvents(b, session, 1, undefined, publish);
    expect(first?.data).toEqual(LIST_CHANGED);
    // Missed while disconnected, replayed on A from the last event id B delivered.
    await publish();
    await new Promise((r) => setTimeout(r, 1_000));
    const resumed = await readEvents(a, session, 1, first!.id);
    expect(resumed[0]?.data).toEqual(LIST_CHANGED);
    expect(resumed[0]!.id > first!.id).toBe(true);

    // Another agent cannot use the session; once ended on A it is gone on B.
    expect((await post(b, LIST, { "mcp-session-id": session }, otherKey)).status).toBe(404);
    const ended = await fetch(a, {
      method: "DELETE",
      headers: { authorization: `Bearer ${key}`, "mcp-session-id": session },
    });
    expect(ended.status).toBe(200);
    const gone = await post(b, LIST, { "mcp-session-id": session });
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { message: string } }).error.message).toMatch(
      /session not found/,
    );
  }, 60_000);

  it("streams of several sessions on one process are served together (one Redis reader) and each hears a change", async () => {
    const [a, b] = gateways.map((g) => g.url) as [string, string];
    const sessions = await Promise.all(
      [a, b, a].map(async (url) => {
        const res = await post(url, INITIALIZE);
        await res.text();
        return res.headers.get("mcp-session-id")!;
      }),
    );
    expect(new Set(sessions).size).toBe(3);
    let opened = 0;
    const heard = await Promise.all(
      sessions.map((session) =>
        readEvents(b, session, 1, undefined, async () => {
          opened += 1;
          // Publish once every stream is open.
          if (opened === sessions.length) {
            await new Promise((r) => setTimeout(r, 300));
            await publish();
          }
        }),
      ),
    );
    expect(heard.map((events) => events[0]?.data)).toEqual([LIST_CHANGED, LIST_CHANGED, LIST_CHANGED]);
  }, 60_000);

  it("the v1 SDK client keeps its session across requests", async () => {
    const client = await connectLegacyClient(gateways[0]!.url, key);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("docs__echo");
    expect(await client.callTool("docs__add", { a: 1, b: 2 })).toMatchObject({ content: [{ text: "3" }] });
    await client.close();
  });
});
