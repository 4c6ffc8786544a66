import { randomUUID } from "node:crypto";
import {
  type FixtureServer,
  startLegacyHttpServer,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { startMixedRevisionServer } from "@portcullis/testkit/mixed-revision-server";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// Issue 9 point 1: upstreams of any revision (and servers that mix them) work through the
// gateway, and each client gets results valid for the revision it negotiated.
const structured = {
  description: "Adds two numbers; the sum also as structured content.",
  inputSchema: {},
  handler: () => ({
    content: [{ type: "resource_link", uri: "fixture://readme", name: "readme" }],
    structuredContent: { sum: 5 },
  }),
};

const upstreams: Record<string, FixtureServer> = {};
let h: GatewayHarness;
// One agent per upstream: the fixtures share a resource URI, and a read goes to its one owner.
const keys: Record<string, string> = {};
let key = "";

beforeAll(async () => {
  const tools = { structured };
  upstreams.v1 = await startLegacyHttpServer({ tag: "v1", tools });
  upstreams.v2 = await startModernHttpServer({ tag: "v2", tools });
  upstreams.mixed = await startMixedRevisionServer({ tag: "mixed", tools });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const all = b.agent("bridge-bot", "eng");
      for (const [name, fixture] of Object.entries(upstreams)) {
        const server = b.server({ name, transport: "streamable-http", url: fixture.url });
        b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
        const agent = b.agent(`bridge-${name}`, "eng");
        for (const a of [agent, all]) b.grant({ agent: a }, server, "*");
        b.itemGrant("resource", { agent }, server, "*");
        b.itemGrant("prompt", { agent }, server, "*");
        keys[name] = b.key(agent).key;
      }
      key = b.key(all).key;
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await Promise.all(Object.values(upstreams).map((u) => u.close()));
});

describe.each(CLIENTS)("a client of revision $revision", ({ connect }) => {
  it.each(["v1", "v2", "mixed"])(
    "reaches the %s upstream: tools, calls, resources, prompts",
    async (name) => {
      const client = await connect(h.gateway.url, keys[name]);
      try {
        const tools = (await client.listTools()).tools.map((t) => t.name);
        expect(tools).toContain(`${name}__echo`);
        const echoed = await client.callTool(`${name}__echo`, { message: "hi" });
        expect(echoed.isError).toBeFalsy();
        expect(echoed.content).toEqual([{ type: "text", text: "echo: hi" }]);
        const result = (await client.callTool(`${name}__structured`, {})) as Record<string, unknown>;
        expect(result.structuredContent).toEqual({ sum: 5 });
        expect(result.content).toEqual([{ type: "resource_link", uri: "fixture://readme", name: "readme" }]);
        // What belongs to the upstream's exchange never reaches the client as the result body.
        expect(result).not.toHaveProperty("ttlMs");
        const read = await client.readResource("fixture://readme");
        expect(read.contents[0]?.text).toBe(`Portcullis fixture server (${name})`);
        const prompt = await client.getPrompt(`${name}__greet`, { name: "Ada" });
        expect(prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Hello, Ada!" } }]);
      } finally {
        await client.close();
      }
    },
  );
});

/** One raw JSON-RPC POST as a 2024-11-05 client sends it (no envelope, the revision in a header). */
async function rawPost(method: string, params: unknown, revision: string): Promise<Record<string, unknown>> {
  const res = await fetch(h.gateway.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": revision,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: randomUUID(), method, params }),
  });
  const text = await res.text();
  const data = text.startsWith("{") ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? "{}");
  return JSON.parse(data) as Record<string, unknown>;
}

describe("a client of revision 2024-11-05", () => {
  it("gets structured content and resource links as plain content it can read", async () => {
    await rawPost(
      "initialize",
      { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: { name: "old", version: "1" } },
      "2024-11-05",
    );
    for (const name of ["v1", "v2", "mixed"]) {
      const answer = await rawPost(
        "tools/call",
        { name: `${name}__structured`, arguments: {} },
        "2024-11-05",
      );
      const result = answer.result as Record<string, unknown>;
      expect(result, JSON.stringify(answer)).not.toHaveProperty("structuredContent");
      expect(result).not.toHaveProperty("resultType");
      expect(result.content).toEqual([
        { type: "text", text: "resource: fixture://readme (readme)" },
        { type: "text", text: '{"sum":5}' },
      ]);
    }
  });
});
