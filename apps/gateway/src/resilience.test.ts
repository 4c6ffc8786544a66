import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { type PrivateRedisServer, startRedisServer } from "@portcullis/testkit/redis-server";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLegacyClient, connectModernClient } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// These tests stop Redis: they run against a private redis-server, never the shared one.
let redisServer: PrivateRedisServer;
let upstream: FixtureServer;
let h: GatewayHarness;
let key = "";

beforeAll(async () => {
  redisServer = await startRedisServer();
  upstream = await startLegacyHttpServer();
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    redisUrl: redisServer.url,
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
  await redisServer?.close();
});

describe("when Redis goes away", () => {
  it("keeps serving from the last good snapshot and loses no audit event", async () => {
    const client = await connectModernClient(h.gateway.url, key);
    await client.callTool("alpha__echo", { message: "before" });
    await h.waitForEvents((e) =>
      e.some((x) => (x.arguments as { message?: string } | null)?.message === "before"),
    );

    await redisServer.stop();
    const during = ["during-1", "during-2", "during-3"];
    for (const message of during) {
      const r = await client.callTool("alpha__echo", { message });
      expect(r.content).toEqual([{ type: "text", text: `echo: ${message}` }]);
    }
    // A fresh client (new handshake) is served too: nothing on the request path needs Redis.
    const second = await connectLegacyClient(h.gateway.url, key);
    expect((await second.listTools()).tools.length).toBeGreaterThan(0);
    await second.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(h.gateway.audit.stats().spooled).toBeGreaterThanOrEqual(during.length);

    await redisServer.start();
    const events = await h.waitForEvents(
      (e) => during.every((m) => e.some((x) => (x.arguments as { message?: string } | null)?.message === m)),
      15_000,
    );
    // Exactly once each, despite spooling and replay.
    for (const m of during) {
      expect(events.filter((x) => (x.arguments as { message?: string } | null)?.message === m)).toHaveLength(
        1,
      );
    }
    await client.close();
  });
});

describe("graceful shutdown", () => {
  it("finishes in-flight calls before closing", async () => {
    const client = await connectLegacyClient(h.gateway.url, key);
    const before = upstream.calls;
    const inFlight = client.callTool("alpha__slow", { ms: 400 });
    // Close only once the call is really in flight (it has reached the upstream).
    while (upstream.calls === before) await new Promise((r) => setTimeout(r, 5));
    const closing = h.gateway.close(5_000);
    await expect(inFlight).resolves.toMatchObject({ content: [{ type: "text", text: "slept 400" }] });
    await closing;
    await client.close().catch(() => undefined);
  });
});
