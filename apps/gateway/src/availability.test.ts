import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { type PrivateRedisServer, startRedisServer } from "@portcullis/testkit/redis-server";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "./start-gateway";
import { connectModernClient } from "./testing/clients";
import {
  type GatewayHarness,
  startGatewayHarness,
  startTestGateway,
  waitForVersion,
} from "./testing/gateway-harness";

// #10 point 12: slow clients, floods of unauthenticated requests and a gateway cut off
// from Redis. A private redis-server, so the test can take Redis away.
let redisServer: PrivateRedisServer;
let upstream: FixtureServer;
let h: GatewayHarness;
let key: string;
let keyId: string;

beforeAll(async () => {
  redisServer = await startRedisServer();
  upstream = await startLegacyHttpServer();
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    redisUrl: redisServer.url,
    hardening: {
      timeouts: { headersTimeoutMs: 500, requestTimeoutMs: 1_000 },
      maxSnapshotAgeMs: 1_500,
      unauthenticated: { limit: 3, windowMs: 1_000 },
    },
    configure: async (b) => {
      const server = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
      const agent = b.agent("ci-bot", "platform");
      b.grant({ agent }, server, "echo");
      ({ key, id: keyId } = b.key(agent));
    },
  });
  await pool.close();
  await waitForVersion(h.gateway, 1, 5_000);
}, 30_000);

afterAll(async () => {
  await h?.close();
  await upstream?.close();
  await redisServer?.close();
});

/** Opens a raw TCP connection to the gateway and resolves when the server closes it, with what it said. */
function slowClient(
  port: number,
  first: string,
  drip: string,
): { socket: Socket; closed: Promise<{ ms: number; said: string }> } {
  const started = Date.now();
  const socket = connect({ host: "127.0.0.1", port });
  let said = "";
  socket.on("data", (d) => {
    said += String(d);
  });
  socket.on("error", () => undefined);
  socket.once("connect", () => socket.write(first));
  // One byte every 100 ms: the connection is never idle, it just never finishes.
  const timer = setInterval(() => socket.writable && socket.write(drip), 100);
  const closed = new Promise<{ ms: number; said: string }>((resolve) =>
    socket.once("close", () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, said });
    }),
  );
  return { socket, closed };
}

describe("slowloris", () => {
  it("drops a client that never finishes its headers, or its body", async () => {
    const headers = slowClient(h.gateway.port, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", "a");
    const body = slowClient(
      h.gateway.port,
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${h.gateway.port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
      " ",
    );
    const [byHeaders, byBody] = await Promise.all([headers.closed, body.closed]);
    expect(byHeaders.ms).toBeLessThan(3_000);
    expect(byHeaders.said).toMatch(/^HTTP\/1\.1 408/);
    expect(byBody.ms).toBeLessThan(4_000);
    expect(byBody.said).toMatch(/^HTTP\/1\.1 408/);
    // The gateway is fine and serves the next client.
    expect((await fetch(`http://127.0.0.1:${h.gateway.port}/healthz`)).status).toBe(200);
  });
});

describe("unauthenticated requests", () => {
  it("are limited per address and audited as one summary per window, not one event each", async () => {
    const statuses: number[] = [];
    const requestIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(h.gateway.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/list" }),
      });
      statuses.push(res.status);
      requestIds.push(res.headers.get("x-request-id")!);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBe("1");
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // An agent with a valid key from the same address is not limited.
    const client = await connectModernClient(h.gateway.url, key);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["alpha__echo"]);
    await client.close();

    const events = await h.waitForEvents((all) => all.some((e) => e.method === "gateway/unauthenticated"));
    const summary = events.find((e) => e.method === "gateway/unauthenticated")!;
    expect(summary.reason).toMatch(
      /^5 unauthenticated requests in 1 s from 1 address\(es\), 2 answered 429$/,
    );
    expect(JSON.parse(summary.resultSummary!)).toEqual([
      { address: expect.stringMatching(/127\.0\.0\.1/), count: 5 },
    ]);
    expect(events.filter((e) => requestIds.includes(e.requestId))).toEqual([]);
    // The authenticated requests' events name the key they used.
    const listed = events.find((e) => e.method === "tools/list");
    expect(listed?.keyId).toBe(keyId);
  });
});

describe("a gateway cut off from Redis", () => {
  let failOpen: RunningGateway | undefined;
  let spoolDir: string;

  afterAll(async () => {
    await failOpen?.close(1_000);
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  it("refuses calls once its snapshot is older than the maximum age, unless it fails open", async () => {
    spoolDir = await mkdtemp(join(tmpdir(), "pc-failopen-"));
    failOpen = await startTestGateway({
      names: h.names,
      spoolDir,
      redisUrl: redisServer.url,
      hardening: { maxSnapshotAgeMs: 1_500, snapshotFailOpen: true },
    });
    await waitForVersion(failOpen, 1, 5_000);
    await redisServer.stop();
    await new Promise((r) => setTimeout(r, 2_500));

    const res = await fetch(h.gateway.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${key}`,
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe("UNAVAILABLE");
    expect(body.error.message).toMatch(
      /configuration is stale: Redis last confirmed it \d+ s ago \(the maximum is 2 s\)/,
    );
    const ready = await fetch(`http://127.0.0.1:${h.gateway.port}/readyz`);
    expect(((await ready.json()) as { reasons: string[] }).reasons.join(" ")).toMatch(
      /older than the maximum age/,
    );

    // The installation that chose availability keeps serving its last snapshot.
    const client = await connectModernClient(failOpen.url, key);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["alpha__echo"]);
    await client.close();

    // Redis back: the snapshot is confirmed again and calls are served.
    await redisServer.start();
    const deadline = Date.now() + 10_000;
    while (h.gateway.store.ageMs() > 1_000 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const again = await connectModernClient(h.gateway.url, key);
    expect((await again.listTools()).tools.map((t) => t.name)).toEqual(["alpha__echo"]);
    await again.close();
  }, 30_000);
});
