import type { SnapshotAgent, SnapshotServer } from "@portcullis/contracts/snapshot";
import { signSnapshot } from "@portcullis/queues/snapshot-protocol";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectLegacyClient, connectModernClient } from "./testing/clients";
import {
  type GatewayHarness,
  startGatewayHarness,
  TEST_SECRET_KEY,
  waitForVersion,
} from "./testing/gateway-harness";

let upstream: FixtureServer;
let h: GatewayHarness;
let agent: SnapshotAgent;
let server: SnapshotServer;

beforeAll(async () => {
  upstream = await startLegacyHttpServer();
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      server = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
      agent = b.agent("ci-bot", "platform");
      b.grant({ team: "platform" }, server, "echo");
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

async function post(
  headers: Record<string, string>,
  body: unknown = { jsonrpc: "2.0", id: 1, method: "tools/list" },
) {
  const res = await fetch(h.gateway.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  // Accepted requests may be answered as an SSE stream; refusals are always JSON.
  const parsed = text.startsWith("{") ? JSON.parse(text) : { raw: text };
  return {
    status: res.status,
    headers: res.headers,
    body: parsed as { error?: { code: number; message: string; data?: Record<string, unknown> } },
  };
}

describe("authentication", () => {
  it("refuses a request without a key with 401 and a clear JSON error", async () => {
    const r = await post({});
    expect(r.status).toBe(401);
    expect(r.headers.get("www-authenticate")).toMatch(/^Bearer realm="portcullis"/);
    expect(r.body.error?.message).toMatch(/missing Authorization header/);
    expect(r.body.error?.data?.requestId).toMatch(/^req_/);
  });

  it("refuses a malformed header, a foreign token and an unknown key", async () => {
    expect((await post({ authorization: "Basic abc" })).body.error?.message).toMatch(
      /malformed Authorization header/,
    );
    expect((await post({ authorization: "Bearer sk-not-ours" })).body.error?.message).toMatch(
      /not a Portcullis agent key/,
    );
    const unknown = await post({ authorization: `Bearer pcs_${"x".repeat(40)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error?.message).toMatch(/unknown or revoked agent key/);
  });

  it("refuses an expired key", async () => {
    const { key } = h.builder.key(agent, new Date(Date.now() - 1000));
    await waitForVersion(h.gateway, await h.publish());
    const r = await post({ authorization: `Bearer ${key}` });
    expect(r.status).toBe(401);
    expect(r.body.error?.message).toMatch(/expired at/);
  });

  it("stops accepting a revoked key within one second of publication", async () => {
    const { key, id } = h.builder.key(agent);
    await waitForVersion(h.gateway, await h.publish());
    const client = await connectModernClient(h.gateway.url, key);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["alpha__echo"]);

    h.builder.revokeKey(id);
    const published = Date.now();
    await h.publish();
    let refusedAfter = -1;
    while (Date.now() - published < 2_000) {
      const r = await post({ authorization: `Bearer ${key}` });
      if (r.status === 401) {
        refusedAfter = Date.now() - published;
        break;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    await client.close();
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThan(1_000);
  });
});

describe("snapshots", () => {
  it("swaps to a new version within a second: a new grant becomes visible", async () => {
    const { key } = h.builder.key(agent);
    await waitForVersion(h.gateway, await h.publish());
    const client = await connectLegacyClient(h.gateway.url, key);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["alpha__echo"]);
    h.builder.grant({ agent }, server, "add");
    const took = await waitForVersion(h.gateway, await h.publish(), 1_000);
    expect(took).toBeLessThan(1_000);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["alpha__add", "alpha__echo"]);
    await client.close();
  });

  it("keeps serving the last good snapshot when a published document does not parse", async () => {
    const { key } = h.builder.key(agent);
    const good = await h.publish();
    await waitForVersion(h.gateway, good);
    await h.publish("{ this is not json");
    await h.publish(JSON.stringify({ schemaVersion: 99, version: good + 2 }));
    await new Promise((r) => setTimeout(r, 400));
    expect(h.gateway.store.current()?.version).toBe(good);
    const readyz = await fetch(h.gateway.url.replace("/mcp", "/readyz"));
    expect(readyz.status).toBe(200);
    expect(((await readyz.json()) as { reasons: string[] }).reasons.join()).toMatch(/rejected/);
    const client = await connectLegacyClient(h.gateway.url, key);
    expect((await client.callTool("alpha__echo", { message: "still" })).content).toEqual([
      { type: "text", text: "echo: still" },
    ]);
    await client.close();
    // A later good version is picked up again.
    await waitForVersion(h.gateway, await h.publish());
  });
});

// Last in this file: it writes a version far above the harness's own counter.
describe("a key used the moment the console returns it", () => {
  it("is accepted although the gateway has not yet heard of the snapshot that carries it", async () => {
    const { key } = h.builder.key(agent);
    const version = 1_000;
    const documentJson = JSON.stringify(h.builder.build(version));
    // What the console has done when it answers: the signed document is in Redis. The channel
    // message is what lags behind, so write the keys without it (the poll runs every 200 ms).
    await h.redis
      .multi()
      .set(h.names.snapshotDoc, documentJson)
      .set(h.names.snapshotMac, signSnapshot(TEST_SECRET_KEY, documentJson))
      .set(h.names.snapshotVersion, String(version))
      .exec();
    const r = await post({ authorization: `Bearer ${key}` });
    expect({ status: r.status, error: r.body.error?.message }).toEqual({ status: 200, error: undefined });
    expect(h.gateway.store.current()?.version).toBe(version);
  });
});
