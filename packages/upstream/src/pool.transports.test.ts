import {
  FIXTURE_RESOURCE_URI,
  type FixtureServer,
  progressTool,
  STDIO_FIXTURE_PATH,
  startLegacyHttpServer,
  startModernHttpServer,
  startSseServer,
} from "@portcullis/testkit/fixture-servers";
import {
  memoryServerSpec,
  type ReferenceServer,
  startEverythingServer,
} from "@portcullis/testkit/reference-servers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamPool } from "./pool";
import { LOOPBACK_TEST_POLICY } from "./test-policy";
import type { CallToolResult, UpstreamSpec } from "./types";

// One pool for the whole file, like the gateway: each server gets its own connection in it.
const pool = new UpstreamPool({
  ...LOOPBACK_TEST_POLICY,
  clientInfo: { name: "upstream-test", version: "1.0.0" },
});
afterAll(() => pool.close());

function textOf(result: { content?: unknown }): string {
  const content = (result as CallToolResult).content ?? [];
  return content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

/** The same checks against every fixture, whatever its transport or protocol revision. */
async function exerciseFixture(spec: UpstreamSpec, tag: string): Promise<void> {
  const tools = await pool.listTools(spec);
  expect(tools.map((t) => t.name)).toEqual(
    expect.arrayContaining(["echo", "add", "slow", "fail", "delete-everything"]),
  );
  expect(tools.find((t) => t.name === "echo")?.annotations?.readOnlyHint).toBe(true);
  expect(tools.find((t) => t.name === "delete-everything")?.annotations?.destructiveHint).toBe(true);

  expect(textOf(await pool.callTool(spec, "echo", { message: "hello" }))).toBe("echo: hello");
  expect(textOf(await pool.callTool(spec, "add", { a: 2, b: 40 }))).toBe("42");
  const progress: unknown[] = [];
  const done = await pool.callTool(spec, "progress", { steps: 3 }, { onProgress: (p) => progress.push(p) });
  expect(textOf(done)).toBe("done 3");
  expect(progress).toEqual([1, 2, 3].map((i) => ({ progress: i, total: 3, message: `step ${i}` })));

  const failed = await pool.callTool(spec, "fail", {});
  expect(failed.isError).toBe(true);
  expect(textOf(failed)).toBe("fixture failure");

  const resources = await pool.listResources(spec);
  expect(resources.map((r) => r.uri)).toContain(FIXTURE_RESOURCE_URI);
  const read = await pool.readResource(spec, FIXTURE_RESOURCE_URI);
  expect(read.contents[0]).toMatchObject({
    uri: FIXTURE_RESOURCE_URI,
    text: `Portcullis fixture server (${tag})`,
  });

  expect((await pool.listPrompts(spec)).map((p) => p.name)).toContain("greet");
  const prompt = await pool.getPrompt(spec, "greet", { name: "Ada" });
  expect(prompt.messages[0]?.content).toEqual({ type: "text", text: "Hello, Ada!" });
}

function httpSpec(id: string, transport: "streamable-http" | "sse", url: string): UpstreamSpec {
  return { id, name: id, transport, url, timeoutMs: 10_000 };
}

describe("legacy Streamable HTTP server (2025-11-25 only)", () => {
  let fixture: FixtureServer;
  beforeAll(async () => {
    fixture = await startLegacyHttpServer({ tools: { progress: progressTool } });
  });
  afterAll(() => fixture.close());

  it("lists tools, calls them, reads the resource and gets the prompt", async () => {
    await exerciseFixture(httpSpec("legacy", "streamable-http", fixture.url), "legacy-http");
  });

  it("negotiates 2025-11-25 through the initialize fallback", async () => {
    const { protocolVersion, latencyMs } = await pool.ping(
      httpSpec("legacy", "streamable-http", fixture.url),
    );
    expect(protocolVersion).toBe("2025-11-25");
    expect(latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe("modern Streamable HTTP server (2026-07-28 only, stateless)", () => {
  let fixture: FixtureServer;
  beforeAll(async () => {
    fixture = await startModernHttpServer({ tools: { progress: progressTool } });
  });
  afterAll(() => fixture.close());

  it("lists tools, calls them, reads the resource and gets the prompt", async () => {
    await exerciseFixture(httpSpec("modern", "streamable-http", fixture.url), "modern-http");
  });

  it("negotiates 2026-07-28 through server/discover", async () => {
    expect((await pool.ping(httpSpec("modern", "streamable-http", fixture.url))).protocolVersion).toBe(
      "2026-07-28",
    );
  });
});

describe("HTTP+SSE server (deprecated transport)", () => {
  let fixture: FixtureServer;
  beforeAll(async () => {
    fixture = await startSseServer({ tools: { progress: progressTool } });
  });
  afterAll(() => fixture.close());

  it("lists tools, calls them, reads the resource and gets the prompt", async () => {
    await exerciseFixture(httpSpec("sse", "sse", fixture.url), "sse");
    expect((await pool.ping(httpSpec("sse", "sse", fixture.url))).protocolVersion).toBe("2025-11-25");
  });
});

describe("stdio fixture server", () => {
  const spec: UpstreamSpec = {
    id: "stdio",
    name: "stdio fixture",
    transport: "stdio",
    command: process.execPath,
    args: [STDIO_FIXTURE_PATH, "--diagnostics"],
    env: { FIXTURE_TAG: "stdio-test" },
    timeoutMs: 10_000,
  };

  it("lists tools, calls them, reads the resource and gets the prompt", async () => {
    await exerciseFixture(spec, "stdio-test");
    // The v2 stdio server serves both revisions; the client picks the newest.
    expect((await pool.ping(spec)).protocolVersion).toBe("2026-07-28");
  });
});

describe("reference server-everything over Streamable HTTP", () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await startEverythingServer();
  });
  afterAll(() => server.close());

  it("lists tools, calls echo, reads a resource and gets a prompt", async () => {
    const spec = httpSpec("everything", "streamable-http", server.url);
    const tools = await pool.listTools(spec);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["echo", "get-sum"]));
    expect(textOf(await pool.callTool(spec, "echo", { message: "via gateway" }))).toContain("via gateway");
    expect(textOf(await pool.callTool(spec, "get-sum", { a: 3, b: 4 }))).toContain("7");

    const resources = await pool.listResources(spec);
    const templates = await pool.listResourceTemplates(spec);
    expect(resources.length + templates.length).toBeGreaterThan(0);
    const uri = resources[0]?.uri ?? "demo://resource/dynamic/text/1";
    const read = await pool.readResource(spec, uri);
    expect(read.contents[0]?.uri).toBe(uri);

    const prompt = await pool.getPrompt(spec, "simple-prompt");
    expect(prompt.messages.length).toBeGreaterThan(0);
    expect((await pool.ping(spec)).protocolVersion).toBe("2025-11-25");
  });
});

describe("reference server-memory over stdio", () => {
  const spec: UpstreamSpec = {
    id: "memory",
    name: "memory",
    transport: "stdio",
    timeoutMs: 10_000,
    ...memoryServerSpec(),
  };

  it("lists tools, writes and reads the graph, reads the resource; it has no prompts", async () => {
    const tools = await pool.listTools(spec);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["create_entities", "read_graph"]));
    const created = await pool.callTool(spec, "create_entities", {
      entities: [{ name: "Portcullis", entityType: "project", observations: ["an MCP gateway"] }],
    });
    expect(created.isError).toBeFalsy();
    expect(textOf(await pool.callTool(spec, "read_graph", {}))).toContain("an MCP gateway");

    const read = await pool.readResource(spec, "memory://knowledge-graph");
    expect(JSON.stringify(read.contents)).toContain("Portcullis");
    // server-memory declares no prompts capability: an empty list, not an error.
    expect(await pool.listPrompts(spec)).toEqual([]);
    expect((await pool.ping(spec)).protocolVersion).toBe("2025-11-25");
  });
});
