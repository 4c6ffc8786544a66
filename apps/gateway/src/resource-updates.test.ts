import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  ResourceUpdatedNotificationSchema,
  SubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { ConfigSnapshot } from "@portcullis/contracts/snapshot";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GatewayHarness,
  startGatewayHarness,
  TEST_SECRET_KEY,
  waitForVersion,
} from "./testing/gateway-harness";
import { bumpCounter, legacyPassthroughSurface } from "./testing/passthrough-surface";
import { SnapshotBuilder } from "./testing/snapshot-builder";

// Issue 9 points 2 and 3: `notifications/resources/updated` reaches 2025-11-25 clients that
// subscribed inside their session, and only the agents that subscribed (never another
// organization naming the same URI); a session's GET stream and DELETE are one audit event each.
const COUNTER = "fixture://counter";
let upstream: FixtureServer;
let quiet: FixtureServer;
let h: GatewayHarness;
const keys: Record<string, string> = {};
const agentIds: Record<string, string> = {};
/** The second organization (another server answering the same URI). */
const other = new SnapshotBuilder(TEST_SECRET_KEY);

beforeAll(async () => {
  upstream = await startLegacyHttpServer({ tag: "updates", extend: legacyPassthroughSurface });
  // Another organization's server with a resource of the same URI, which never changes.
  quiet = await startLegacyHttpServer({
    tag: "quiet",
    extend: (server) => {
      server.server.registerCapabilities({ resources: { subscribe: true } });
      server.registerResource("counter", COUNTER, { mimeType: "text/plain" }, async (uri) => ({
        contents: [{ uri: uri.href, text: "still" }],
      }));
      server.server.setRequestHandler(SubscribeRequestSchema, async () => ({}));
    },
  });
  h = await startGatewayHarness({
    configure: (b) => {
      const docs = b.server({ name: "docs", transport: "streamable-http", url: upstream.url });
      for (const name of ["alice", "bob", "dave", "erin", "frank", "gina"]) {
        const agent = b.agent(name, "eng");
        b.itemGrant("resource", { agent }, docs, COUNTER);
        keys[name] = b.key(agent).key;
        agentIds[name] = agent.id;
      }
      b.portal("watch", [{ server: docs, tools: ["*"] }]);
    },
  });
  const docs = other.server({ name: "docs", transport: "streamable-http", url: quiet.url });
  const carol = other.agent("carol", "eng");
  other.itemGrant("resource", { agent: carol }, docs, COUNTER);
  keys.carol = other.key(carol).key;
  await h.publish(merge(h.builder.build(2), other.build(2)));
  await waitForVersion(h.gateway, 2, 5_000);
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
  await quiet?.close();
});

/** The next version of both organizations, without the resource grants of `revoked` agents. */
let version = 2;
async function publishWithout(revoked: string[], options: { portals?: false } = {}): Promise<void> {
  version += 1;
  const doc = merge(h.builder.build(version), other.build(version));
  if (options.portals === false) doc.portals = [];
  const ids = new Set(revoked.map((name) => agentIds[name]));
  doc.resourceGrants = doc.resourceGrants.filter((g) => g.agentId === null || !ids.has(g.agentId));
  await h.publish(doc);
  await waitForVersion(h.gateway, version, 5_000);
}

/** Two organizations in one snapshot, as the control plane publishes them. */
function merge(a: ConfigSnapshot, b: ConfigSnapshot): ConfigSnapshot {
  const merged = { ...a } as Record<string, unknown>;
  for (const [field, value] of Object.entries(b))
    if (Array.isArray(value))
      merged[field] = [...((a as unknown as Record<string, unknown[]>)[field] ?? []), ...value];
  return merged as unknown as ConfigSnapshot;
}

async function legacyClient(key: string, updates: string[]) {
  const client = new LegacyClient({ name: "legacy-sub", version: "1" });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    updates.push(n.params.uri);
  });
  const transport = new LegacyTransport(new URL(h.gateway.url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

async function listener(key: string, updates: string[], path = "") {
  const client = new ModernClient(
    { name: "listener", version: "2" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  client.setNotificationHandler("notifications/resources/updated", (n) => {
    updates.push(n.params.uri);
  });
  await client.connect(
    new ModernTransport(new URL(`${h.gateway.url}${path}`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  const subscription = await client.listen({ resourceSubscriptions: [COUNTER] });
  expect(subscription.honoredFilter.resourceSubscriptions).toEqual([COUNTER]);
  return { client, subscription };
}

describe("resource updates to 2025-11-25 clients", () => {
  it("a client that subscribed in its session hears updates on its GET stream, until it unsubscribes", async () => {
    const alice: string[] = [];
    const bob: string[] = [];
    const a = await legacyClient(keys.alice!, alice);
    const b = await legacyClient(keys.bob!, bob);
    try {
      expect(a.transport.sessionId).toMatch(/^ses/);
      await a.client.subscribeResource({ uri: COUNTER });
      await expect.poll(() => bumpCounter(), { timeout: 3_000 }).toBeGreaterThan(0);
      await expect.poll(() => alice, { timeout: 5_000 }).toContain(COUNTER);
      // Bob is granted the resource but did not subscribe: he hears nothing.
      expect(bob).toEqual([]);

      await a.client.unsubscribeResource({ uri: COUNTER });
      await b.client.subscribeResource({ uri: COUNTER });
      const heard = alice.length;
      await bumpCounter();
      await expect.poll(() => bob, { timeout: 5_000 }).toContain(COUNTER);
      expect(alice.length).toBe(heard);
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });

  it("an ungranted resource is refused, and so is a subscription without a session", async () => {
    const { client } = await legacyClient(keys.alice!, []);
    try {
      await expect(client.subscribeResource({ uri: "fixture://secret" })).rejects.toThrow(
        /unknown resource 'fixture:\/\/secret'/,
      );
    } finally {
      await client.close();
    }
    const stateless = await fetch(h.gateway.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${keys.alice}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "resources/subscribe",
        params: { uri: COUNTER },
      }),
    });
    expect(await stateless.text()).toMatch(/resource update notifications need a session/);
  });
});

describe("resource updates are per organization and agent", () => {
  it("another organization listening to the same URI does not hear this one's updates", async () => {
    const alice: string[] = [];
    const carol: string[] = [];
    const a = await listener(keys.alice!, alice);
    const c = await listener(keys.carol!, carol);
    try {
      await expect.poll(() => bumpCounter(), { timeout: 3_000 }).toBeGreaterThan(0);
      await expect.poll(() => alice, { timeout: 5_000 }).toContain(COUNTER);
      // Both streams are written in the same turn; give Carol's the same chance to arrive.
      await new Promise((r) => setTimeout(r, 300));
      expect(carol).toEqual([]);
    } finally {
      await a.subscription.close();
      await c.subscription.close();
      await a.client.close();
      await c.client.close();
    }
  });
});

describe("session audit", () => {
  const post = (body: unknown, session?: string) =>
    fetch(h.gateway.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${keys.dave}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
        ...(session && { "mcp-session-id": session }),
      },
      body: JSON.stringify(body),
    });

  it("a GET stream and a DELETE are one audit event each; what the stream carries is not audited", async () => {
    const init = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    const session = init.headers.get("mcp-session-id")!;
    await init.text();
    expect(session).toMatch(/^ses/);
    expect(
      (
        await post(
          { jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri: COUNTER } },
          session,
        )
      ).status,
    ).toBe(200);

    const controller = new AbortController();
    const stream = await fetch(h.gateway.url, {
      headers: {
        authorization: `Bearer ${keys.dave}`,
        accept: "text/event-stream",
        "mcp-session-id": session,
        "mcp-protocol-version": "2025-11-25",
      },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    await bumpCounter();
    let text = "";
    while (!text.includes("notifications/resources/updated")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await bumpCounter();
    controller.abort();

    const ended = await fetch(h.gateway.url, {
      method: "DELETE",
      headers: {
        authorization: `Bearer ${keys.dave}`,
        "mcp-session-id": session,
        "mcp-protocol-version": "2025-11-25",
      },
    });
    expect(ended.status).toBe(200);
    const events = await h.waitForEvents((all) =>
      all.some((e) => e.agentName === "dave" && e.method === "http/DELETE"),
    );
    const dave = events.filter((e) => e.agentName === "dave").map((e) => e.method);
    expect(dave.sort()).toEqual(["http/DELETE", "http/GET", "initialize", "resources/subscribe"]);
    const get = events.find((e) => e.agentName === "dave" && e.method === "http/GET");
    expect(get).toMatchObject({ decision: "allowed", resultSummary: "event stream opened", isError: false });
  });

  it("a GET of a session that does not exist is refused, and audited once", async () => {
    const res = await fetch(h.gateway.url, {
      headers: {
        authorization: `Bearer ${keys.dave}`,
        accept: "text/event-stream",
        "mcp-session-id": `ses${"0".repeat(32)}`,
        "mcp-protocol-version": "2025-11-25",
      },
    });
    expect(res.status).toBe(404);
    const events = await h.waitForEvents((all) =>
      all.some((e) => e.agentName === "dave" && e.method === "http/GET" && e.isError),
    );
    expect(events.filter((e) => e.agentName === "dave" && e.method === "http/GET" && e.isError)).toHaveLength(
      1,
    );
  });
});

describe("a portal removed by a snapshot swap", () => {
  it("stops the updates of those who subscribed through it, though their grant remains", async () => {
    const heard: Record<string, string[]> = { alice: [], gina: [] };
    const gina = await listener(keys.gina!, heard.gina!, "/watch");
    const alice = await listener(keys.alice!, heard.alice!);
    try {
      await bumpCounter();
      await expect
        .poll(() => heard.gina!.length > 0 && heard.alice!.length > 0, { timeout: 5_000 })
        .toBe(true);
      await publishWithout([], { portals: false });
      const before = { alice: heard.alice!.length, gina: heard.gina!.length };
      await bumpCounter();
      await expect.poll(() => heard.alice!.length, { timeout: 5_000 }).toBeGreaterThan(before.alice);
      await new Promise((r) => setTimeout(r, 300));
      expect(heard.gina!.length).toBe(before.gina);
    } finally {
      await gina.subscription.close();
      await alice.subscription.close();
      await gina.client.close();
      await alice.client.close();
    }
  });
});

// Last in this file: it ends with no agent of the first organization granted the counter.
describe("a resource grant revoked by a snapshot swap", () => {
  it("stops the updates of the subscribers it revoked, and ends the upstream watch once nobody may hear them", async () => {
    const heard: Record<string, string[]> = { alice: [], bob: [], erin: [], frank: [] };
    const erin = await legacyClient(keys.erin!, heard.erin!);
    const bob = await legacyClient(keys.bob!, heard.bob!);
    const frank = await listener(keys.frank!, heard.frank!);
    const alice = await listener(keys.alice!, heard.alice!);
    const counts = () => Object.fromEntries(Object.entries(heard).map(([name, uris]) => [name, uris.length]));
    try {
      await erin.client.subscribeResource({ uri: COUNTER });
      await bob.client.subscribeResource({ uri: COUNTER });
      await expect.poll(() => bumpCounter(), { timeout: 3_000 }).toBeGreaterThan(0);
      await expect.poll(() => Object.values(counts()).every((n) => n > 0), { timeout: 5_000 }).toBe(true);

      // Erin (a 2025 session) and Frank (a 2026-07-28 listen stream) lose their grant.
      await publishWithout(["erin", "frank"]);
      const before = counts();
      await bumpCounter();
      // Alice and Bob, on the same two delivery paths, still hear it…
      await expect
        .poll(() => counts().alice! > before.alice! && counts().bob! > before.bob!, { timeout: 5_000 })
        .toBe(true);
      // …and the streams written in the same turn had the same chance to carry it to the others.
      await new Promise((r) => setTimeout(r, 300));
      expect({ erin: counts().erin, frank: counts().frank }).toEqual({
        erin: before.erin,
        frank: before.frank,
      });

      // Nobody of this organization may read the counter any more: the upstream watch ends.
      await publishWithout(["alice", "bob", "dave", "erin", "frank", "gina"]);
      await expect.poll(() => bumpCounter(), { timeout: 5_000 }).toBe(0);
    } finally {
      await frank.subscription.close();
      await alice.subscription.close();
      for (const c of [erin, bob, frank, alice]) await c.client.close();
    }
  });
});
