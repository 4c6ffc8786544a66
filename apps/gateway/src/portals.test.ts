import { type FixtureServer, startModernHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// Issue 9 point 5: portals narrow what an agent sees at /mcp/<portal>; grants still decide.
let docs: FixtureServer;
let ops: FixtureServer;
let h: GatewayHarness;
let key = "";
const opsCalls: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  docs = await startModernHttpServer({ tag: "docs" });
  ops = await startModernHttpServer({ tag: "ops", onCall: (_name, args) => opsCalls.push(args) });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const d = b.server({ name: "docs", transport: "streamable-http", url: docs.url });
      const o = b.server({ name: "ops", transport: "streamable-http", url: ops.url });
      b.addTools(d, await pool.listTools(b.upstreamSpecForTest(d)));
      b.addTools(o, await pool.listTools(b.upstreamSpecForTest(o)));
      const agent = b.agent("portal-user", "eng");
      b.grant({ agent }, d, "*");
      b.grant({ agent }, d, "delete-everything", "deny");
      b.grant({ agent }, o, "echo");
      b.itemGrant("resource", { agent }, d, "*");
      b.itemGrant("prompt", { agent }, d, "*");
      b.itemGrant("prompt", { agent }, o, "*");
      b.portal("docs-only", [{ server: d, tools: ["echo", "add"] }]);
      b.portal(
        "bare",
        [
          { server: d, tools: ["*"] },
          { server: o, tools: ["echo"] },
        ],
        {
          naming: "bare",
          overrides: [
            {
              serverId: o.id,
              tool: "echo",
              name: "say",
              description: "Says the fixed message.",
              fixedArguments: { message: "fixed by the portal" },
            },
          ],
        },
      );
      // Selects tools the agent holds no grant on: the portal cannot widen access.
      b.portal("ops-all", [{ server: o, tools: ["*"] }]);
      // Search exposure with pinned tools: always listed beside the meta-tools (grants still decide).
      b.portal(
        "lean",
        [
          { server: d, tools: ["*"] },
          { server: o, tools: ["*"] },
        ],
        {
          exposure: "search",
          overrides: [
            {
              serverId: d.id,
              tool: "echo",
              name: null,
              description: null,
              fixedArguments: null,
              pinned: true,
            },
            {
              serverId: o.id,
              tool: "add",
              name: null,
              description: null,
              fixedArguments: null,
              pinned: true,
            },
          ],
        },
      );
      key = b.key(agent).key;
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await docs?.close();
  await ops?.close();
});

const portalUrl = (name: string) => `${h.gateway.url}/${name}`;

describe.each(CLIENTS)("portals, $revision client", ({ connect }) => {
  it("a prefixed portal lists only the tools it selects, with /mcp names; /mcp is unchanged", async () => {
    const client = await connect(portalUrl("docs-only"), key);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["docs__add", "docs__echo"]);
    expect(await client.callTool("docs__add", { a: 2, b: 3 })).toMatchObject({
      content: [{ type: "text", text: "5" }],
    });
    await expect(client.callTool("docs__slow", { ms: 1 })).rejects.toThrow(/unknown tool 'docs__slow'/);
    await client.close();
    const direct = await connect(h.gateway.url, key);
    expect((await direct.listTools()).tools.map((t) => t.name)).toContain("docs__slow");
    await direct.close();
  });

  it("bare naming, overrides and fixed arguments the client cannot override", async () => {
    const client = await connect(portalUrl("bare"), key);
    const tools = (await client.listTools()).tools;
    // delete-everything is denied by a grant: the portal selects it, the agent does not see it.
    expect(tools.map((t) => t.name)).toEqual(["add", "echo", "fail", "say", "slow"]);
    const say = tools.find((t) => t.name === "say")!;
    expect(say.description).toBe("Says the fixed message.");
    expect(JSON.stringify(say.inputSchema)).not.toContain("message");
    opsCalls.length = 0;
    expect(await client.callTool("say", { message: "from the client" })).toMatchObject({
      content: [{ type: "text", text: "echo: fixed by the portal" }],
    });
    expect(opsCalls).toEqual([{ message: "fixed by the portal" }]);
    expect(await client.callTool("echo", { message: "hi" })).toMatchObject({
      content: [{ type: "text", text: "echo: hi" }],
    });
    await expect(client.callTool("delete-everything", { confirm: true })).rejects.toThrow(/unknown tool/);
    await client.close();
  });

  it("prompts keep their own names in a bare portal; two servers' prompts of one name are refused, naming both", async () => {
    const client = await connect(portalUrl("docs-only"), key);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(["docs__greet"]);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["fixture://readme"]);
    await client.close();
    const bare = await connect(portalUrl("bare"), key);
    expect((await bare.listPrompts()).prompts).toEqual([]);
    await expect(bare.getPrompt("greet", { name: "Ada" })).rejects.toThrow(/'docs__greet' and 'ops__greet'/);
    await bare.close();
  });

  it("a portal never widens: tools it selects but the grants do not allow stay hidden", async () => {
    const client = await connect(portalUrl("ops-all"), key);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["ops__echo"]);
    await expect(client.callTool("ops__add", { a: 1, b: 2 })).rejects.toThrow(/unknown tool/);
    // The agent's resource grants are on docs only, and this portal selects ops only.
    expect((await client.listResources()).resources).toEqual([]);
    await client.close();
  });

  it("in search exposure, a portal's pinned tools are listed beside the meta-tools and called directly", async () => {
    const client = await connect(portalUrl("lean"), key);
    // ops/add is pinned but not granted: a pin never widens.
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      "search_tools",
      "call_tool",
      "docs__echo",
    ]);
    expect(await client.callTool("docs__echo", { message: "pinned" })).toMatchObject({
      content: [{ type: "text", text: "echo: pinned" }],
    });
    // The portal's other tools are still found through search.
    expect(
      await client.callTool("call_tool", { name: "docs__add", arguments: { a: 1, b: 2 } }),
    ).toMatchObject({
      content: [{ type: "text", text: "3" }],
    });
    await client.close();
  });

  it("an unknown portal is refused, not served as the default endpoint", async () => {
    // The 2026 client reports a failed discover; the raw answer is checked below.
    await expect(connect(portalUrl("nope"), key)).rejects.toThrow(/unknown portal 'nope'|negotiation failed/);
  });
});

describe("portal endpoint", () => {
  it("answers 404 with a JSON-RPC error naming the unknown portal", async () => {
    const res = await fetch(portalUrl("nope"), {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "unknown portal 'nope'",
    );
    // A path that is not one portal segment is no MCP endpoint at all.
    expect((await fetch(`${h.gateway.url}/a/b`, { method: "POST" })).status).toBe(404);
  });
});

describe("portal audit", () => {
  it("events carry the portal they came through, and none for /mcp", async () => {
    const events = await h.waitForEvents((all) =>
      all.some((e) => e.method === "tools/call" && e.portal === "bare" && e.toolName === "echo"),
    );
    const say = events.find(
      (e) => e.portal === "bare" && e.serverName === "ops" && e.method === "tools/call",
    );
    expect(say).toMatchObject({
      toolName: "echo",
      decision: "allowed",
      arguments: { message: "fixed by the portal" },
    });
    expect(events.some((e) => e.portal === "nope" && e.decision === "invalid")).toBe(true);
    expect(events.filter((e) => e.method === "tools/list" && !e.portal).length).toBeGreaterThan(0);
  });
});
