import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// Every HTTP exchange with the gateway: the request id it answered with, and whether the
// body was a JSON-RPC request (it has an id) or something that is not (a notification).
interface Exchange {
  requestId: string;
  what: string;
  isRequest: boolean;
}

let upstream: FixtureServer;
let h: GatewayHarness;
let key = "";

beforeAll(async () => {
  upstream = await startLegacyHttpServer({ tag: "audit-once" });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const alpha = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(alpha, await pool.listTools(b.upstreamSpecForTest(alpha)));
      const agent = b.agent("once-bot", "platform");
      b.grant({ team: "platform" }, alpha, "echo");
      b.grant({ team: "platform" }, alpha, "add", "deny");
      key = b.key(agent).key;
    },
  });
  await pool.close();
});
afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

function describeBody(body: unknown): { what: string; isRequest: boolean } {
  if (typeof body !== "string") return { what: "(no body)", isRequest: false };
  try {
    const message = JSON.parse(body) as { method?: string; id?: unknown; params?: { name?: string } };
    const what = [message.method ?? "?", message.params?.name].filter(Boolean).join(" ");
    return { what, isRequest: message.id !== undefined && message.id !== null };
  } catch {
    return { what: "(not JSON)", isRequest: true };
  }
}

async function raw(exchanges: Exchange[], init: RequestInit): Promise<number> {
  const response = await fetch(h.gateway.url, { method: "POST", ...init });
  await response.arrayBuffer();
  const { what } = describeBody(init.body);
  exchanges.push({ requestId: response.headers.get("x-request-id")!, what, isRequest: true });
  return response.status;
}

describe("one audit event per request", () => {
  it("records exactly one event for every request, whichever path it takes, and none for notifications", async () => {
    const exchanges: Exchange[] = [];
    const recordingFetch: typeof fetch = async (url, init) => {
      const response = await fetch(url, init);
      const requestId = response.headers.get("x-request-id");
      // A session's GET stream and DELETE are one event each (the stream's messages none).
      const method = init?.method ?? "GET";
      if (requestId)
        exchanges.push({
          requestId,
          ...(method === "POST" ? describeBody(init?.body) : { what: `http/${method}`, isRequest: true }),
        });
      return response;
    };
    const client = new Client({ name: "audit-once-agent", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(h.gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
        fetch: recordingFetch,
      }),
    );
    await client.listTools();
    await client.callTool({ name: "alpha__echo", arguments: { message: "once" } });
    await expect(client.callTool({ name: "alpha__add", arguments: { a: 1, b: 2 } })).rejects.toThrow(
      /denied/,
    );
    await expect(client.callTool({ name: "alpha__echo", arguments: {} })).rejects.toThrow(/message/);
    await expect(client.callTool({ name: "alpha__nope", arguments: {} })).rejects.toThrow(/unknown tool/);
    await client.listResources();
    await client.listPrompts();
    await client.ping();
    await client.close();

    // Refused before the SDK: wrong content type, unparsable body, no or an unknown key.
    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    const json = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    expect(await raw(exchanges, { body: ping, headers: { "content-type": "text/plain" } })).toBe(415);
    expect(await raw(exchanges, { body: "{not json", headers: json })).toBe(400);
    // Unauthenticated requests are audited in aggregate (one summary per window, see
    // unauthenticated.test.ts), not one event each: a flood of 401s cannot flood the log.
    const audited = exchanges.length;
    expect(await raw(exchanges, { body: ping, headers: json })).toBe(401);
    expect(
      await raw(exchanges, {
        body: ping,
        headers: { ...json, authorization: "Bearer pcs_unknownkey0000000000" },
      }),
    ).toBe(401);
    const summarized = exchanges.splice(audited);
    expect(summarized).toHaveLength(2);

    const requests = exchanges.filter((e) => e.isRequest);
    const notifications = exchanges.filter((e) => !e.isRequest);
    expect(requests.length).toBeGreaterThanOrEqual(11);
    expect(notifications.map((n) => n.what)).toContain("notifications/initialized");

    const ours = new Set(exchanges.map((e) => e.requestId));
    const mine = (events: AuditEvent[]) => events.filter((e) => ours.has(e.requestId));
    await h.waitForEvents((events) => mine(events).length >= requests.length);
    // Late duplicates would arrive after the expected count: give them the time to.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const perRequest = (requestId: string) => mine(h.events).filter((e) => e.requestId === requestId).length;
    expect(requests.map((r) => ({ what: r.what, events: perRequest(r.requestId) }))).toEqual(
      requests.map((r) => ({ what: r.what, events: 1 })),
    );
    expect(notifications.map((n) => ({ what: n.what, events: perRequest(n.requestId) }))).toEqual(
      notifications.map((n) => ({ what: n.what, events: 0 })),
    );
    expect(summarized.map((r) => perRequest(r.requestId))).toEqual([0, 0]);
    const decisions = Object.fromEntries(
      requests.map((r) => [r.what, mine(h.events).find((e) => e.requestId === r.requestId)!.decision]),
    );
    expect(decisions).toMatchObject({
      "tools/call alpha__echo": expect.any(String),
      "tools/call alpha__add": "denied",
      "tools/call alpha__nope": expect.any(String),
      "(not JSON)": "invalid",
    });
  });
});
