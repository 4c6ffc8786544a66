import {
  type FixtureServer,
  STDIO_FIXTURE_PATH,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { createOutboundGuard } from "@portcullis/upstream/outbound-guard";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness, type TestGatewayOptions } from "./testing/gateway-harness";
import type { SnapshotBuilder } from "./testing/snapshot-builder";

// Issue 10, points 1 and 6 at the gateway: the operator's policy decides which stdio
// commands start and which internal hosts are reachable; every start is audited.
const connect = CLIENTS[1].connect;
let fixture: FixtureServer;
const harnesses: GatewayHarness[] = [];
let stdioServerId = "";

beforeAll(async () => {
  fixture = await startModernHttpServer({ tag: "internal" });
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.close()));
  await fixture?.close();
});

/** One HTTP upstream on loopback and one stdio upstream, both granted to the key's team. */
async function configure(b: SnapshotBuilder): Promise<string> {
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  try {
    const internal = b.server({ name: "internal", transport: "streamable-http", url: fixture.url });
    const local = b.server({
      name: "local",
      transport: "stdio",
      command: process.execPath,
      args: [STDIO_FIXTURE_PATH],
    });
    stdioServerId = local.id;
    b.addTools(internal, await pool.listTools(b.upstreamSpecForTest(internal)));
    b.addTools(local, await pool.listTools(b.upstreamSpecForTest(local)));
    b.grant({ team: "platform" }, internal, "*");
    b.grant({ team: "platform" }, local, "*");
    return b.key(b.agent("ci-bot", "platform")).key;
  } finally {
    await pool.close();
  }
}

async function harness(upstream: TestGatewayOptions["upstream"]) {
  let key = "";
  const h = await startGatewayHarness({
    configure: async (b) => {
      key = await configure(b);
    },
    ...(upstream && { upstream }),
  });
  harnesses.push(h);
  return { h, key };
}

describe("gateway outbound policy", () => {
  it("audits every stdio server it starts, with the exact command line", async () => {
    const { h, key } = await harness(LOOPBACK_TEST_POLICY);
    const client = await connect(h.gateway.url, key);
    const result = await client.callTool("local__echo", { message: "hi" });
    await client.close();
    expect(result.content).toEqual([{ type: "text", text: "echo: hi" }]);
    const events = await h.waitForEvents((all) => all.some((e) => e.method === "stdio/launch"));
    expect(events.filter((e) => e.method === "stdio/launch")).toEqual([
      expect.objectContaining({
        serverId: stdioServerId,
        serverName: "local",
        orgId: expect.any(String),
        decision: "allowed",
        resultSummary: `${process.execPath} ${STDIO_FIXTURE_PATH}`,
        reason: "sandbox none, network on",
      }),
    ]);
  });

  it("refuses loopback upstreams and unlisted commands under an operator policy that allows neither", async () => {
    const { h, key } = await harness({
      outbound: createOutboundGuard([]),
      stdio: { allow: ["npx"], sandbox: "none" },
    });
    const client = await connect(h.gateway.url, key);
    await expect(client.callTool("internal__echo", { message: "x" })).rejects.toThrow(
      /upstream 'internal' is unreachable: outbound connection to 127\.0\.0\.1 refused/,
    );
    await expect(client.callTool("local__echo", { message: "x" })).rejects.toThrow(
      /the stdio command '.*stdio-server\.mjs' is not allowed on this installation/,
    );
    await client.close();
    const events = await h.waitForEvents((all) => all.filter((e) => e.method === "tools/call").length >= 2);
    expect(events.some((e) => e.method === "stdio/launch")).toBe(false);
  });
});
