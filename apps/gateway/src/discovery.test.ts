import {
  type FixtureServer,
  startLegacyHttpServer,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// Two upstreams of different protocol revisions; three agents with different grants.
let legacy: FixtureServer;
let modern: FixtureServer;
let h: GatewayHarness;
const keys: Record<string, string> = {};

beforeAll(async () => {
  legacy = await startLegacyHttpServer({ tag: "legacy" });
  modern = await startModernHttpServer({ tag: "modern" });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const alpha = b.server({ name: "alpha", transport: "streamable-http", url: legacy.url });
      const beta = b.server({ name: "beta", transport: "streamable-http", url: modern.url });
      b.addTools(alpha, await pool.listTools(b.upstreamSpecForTest(alpha)));
      b.addTools(beta, await pool.listTools(b.upstreamSpecForTest(beta)));
      // platform team: echo on alpha; ci-bot additionally everything on beta except deny on delete-*
      b.grant({ team: "platform" }, alpha, "echo");
      // Resources and prompts are granted apart from tools (default deny).
      b.itemGrant("resource", { team: "platform" }, alpha, "*");
      b.itemGrant("prompt", { team: "platform" }, alpha, "*");
      const ciBot = b.agent("ci-bot", "platform");
      b.grant({ agent: ciBot }, beta, "*");
      b.grant({ team: "platform" }, beta, "delete-*", "deny");
      const teammate = b.agent("teammate", "platform");
      const outsider = b.agent("outsider", "other-team");
      keys.ciBot = b.key(ciBot).key;
      keys.teammate = b.key(teammate).key;
      keys.outsider = b.key(outsider).key;
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await legacy?.close();
  await modern?.close();
});

describe.each(CLIENTS)("tools/list for a client of revision $revision", ({ connect }) => {
  it("shows an agent its own grants plus its team's, namespaced <server>__<tool>", async () => {
    const client = await connect(h.gateway.url, keys.ciBot);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    await client.close();
    expect(names).toEqual(["alpha__echo", "beta__add", "beta__echo", "beta__fail", "beta__slow"]);
  });

  it("shows a teammate only the team's grants", async () => {
    const client = await connect(h.gateway.url, keys.teammate);
    const tools = (await client.listTools()).tools;
    await client.close();
    expect(tools.map((t) => t.name)).toEqual(["alpha__echo"]);
    expect(tools[0]?.inputSchema).toMatchObject({
      type: "object",
      properties: { message: { type: "string" } },
    });
    expect(tools[0]?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it("denies by default: an agent without grants sees nothing", async () => {
    const client = await connect(h.gateway.url, keys.outsider);
    expect((await client.listTools()).tools).toEqual([]);
    await client.close();
  });

  it("serves resources and prompts of granted servers only", async () => {
    const client = await connect(h.gateway.url, keys.teammate);
    const resources = (await client.listResources()).resources.map((r) => r.uri);
    expect(resources).toEqual(["fixture://readme"]);
    const read = await client.readResource("fixture://readme");
    expect(read.contents[0]?.text).toContain("legacy");
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toEqual(["alpha__greet"]);
    const prompt = await client.getPrompt("alpha__greet", { name: "Ada" });
    expect(JSON.stringify(prompt.messages)).toContain("Ada");
    await expect(client.getPrompt("beta__greet", { name: "Ada" })).rejects.toThrow(/unknown prompt/);
    await client.close();
  });
});
