import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startMixedRevisionServer } from "@portcullis/testkit/mixed-revision-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamPool } from "./pool";
import { LOOPBACK_TEST_POLICY } from "./test-policy";
import type { UpstreamSpec } from "./types";

// A server that answers server/discover (so the client negotiates 2026-07-28) but returns
// 2025-style results, like the conformance suite's reference server.
let server: Awaited<ReturnType<typeof startMixedRevisionServer>>;
const warnings: string[] = [];
const pool = new UpstreamPool({
  ...LOOPBACK_TEST_POLICY,
  logger: { info() {}, error() {}, warn: (_o, msg) => void warnings.push(msg ?? "") },
});
let spec: UpstreamSpec;

beforeAll(async () => {
  server = await startMixedRevisionServer();
  spec = { id: "srv_mixed", name: "conf", transport: "streamable-http", url: server.url, timeoutMs: 5_000 };
  broken = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const { id, method } = JSON.parse(body) as { id: number; method: string };
    // Every result lacks resultType; the tools/call one also has a text block without text.
    const result =
      method === "server/discover"
        ? { resultType: "complete", supportedVersions: ["2026-07-28"], capabilities: { tools: {} } }
        : { content: [{ type: "text" }] };
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ jsonrpc: "2.0", id, result }));
  });
  await new Promise<void>((resolve) => broken.listen(0, "127.0.0.1", resolve));
});

let broken: Server;

afterAll(async () => {
  await pool.close();
  await server?.close();
  broken?.close();
});

describe("an upstream that mixes revisions", () => {
  it("serves lists, calls, reads and prompts, and the operator is told once what it does wrong", async () => {
    expect((await pool.listTools(spec)).map((t) => t.name)).toContain("echo");
    expect(await pool.callTool(spec, "echo", { message: "hi" })).toEqual({
      content: [{ type: "text", text: "echo: hi" }],
    });
    expect((await pool.listResources(spec)).map((r) => r.uri)).toEqual(["fixture://readme"]);
    expect((await pool.readResource(spec, "fixture://readme")).contents[0]).toMatchObject({
      text: "Portcullis fixture server (mixed)",
    });
    expect((await pool.getPrompt(spec, "greet", { name: "Ada" })).messages).toHaveLength(1);
    const bridged = warnings.filter((w) => w.includes("without the required resultType"));
    expect(bridged).toEqual([
      "upstream 'conf' negotiated 2026-07-28 but answered tools/list without the required resultType (a 2025-style result); treating its results as complete",
    ]);
  });

  it("a result invalid under every revision fails with what is wrong in it", async () => {
    const { port } = broken.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/mcp`;
    const brokenSpec: UpstreamSpec = { ...spec, id: "srv_broken", name: "broken", url };
    await expect(pool.callTool(brokenSpec, "any", {})).rejects.toThrow(
      "upstream 'broken' is unreachable: the server sent an invalid result (invalid tools/call result: content.0.text: expected string, received undefined)",
    );
  });
});
