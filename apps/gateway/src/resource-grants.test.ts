import type { AuditEvent } from "@portcullis/contracts/audit";
import { type FixtureServer, startModernHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS, connectModernClient } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// Issue 10 point 4: resources and prompts obey their own grants, DLP, rate limits and audit.
let upstream: FixtureServer;
let h: GatewayHarness;
const keys: Record<string, string> = {};
const EMAIL = "marta.kowalski@northwind-trading.com";
const AWS = "AKIAQ7RZ4MXKD2VN5TPW";

beforeAll(async () => {
  upstream = await startModernHttpServer({ tag: "docs" });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const docs = b.server({ name: "docs", transport: "streamable-http", url: upstream.url });
      b.addTools(docs, await pool.listTools(b.upstreamSpecForTest(docs)));
      // Every tool but one: before item grants, any tool grant exposed all resources and prompts.
      const toolsOnly = b.agent("tools-only", "eng");
      b.grant({ agent: toolsOnly }, docs, "*");
      b.grant({ agent: toolsOnly }, docs, "echo", "deny");
      const reader = b.agent("reader", "eng");
      b.itemGrant("resource", { agent: reader }, docs, "fixture://*");
      b.itemGrant("prompt", { agent: reader }, docs, "*");
      b.itemGrant("prompt", { agent: reader }, docs, "greet", "deny");
      const guarded = b.agent("guarded", "eng");
      b.itemGrant("resource", { agent: guarded }, docs, "*");
      b.itemGrant("prompt", { agent: guarded }, docs, "greet");
      b.policy(
        "dlp",
        {
          custom: [{ name: "fixture-banner", pattern: "fixture server" }],
          direction: "results",
          action: "block",
        },
        { agents: [guarded.id] },
      );
      b.policy("dlp", { detectors: ["email", "aws-access-key"], action: "redact" }, { agents: [guarded.id] });
      const screened = b.agent("screened", "eng");
      b.itemGrant("resource", { agent: screened }, docs, "*");
      b.policy(
        "dlp",
        { detectors: ["aws-access-key"], direction: "results", action: "redact" },
        { agents: [screened.id] },
      );
      const limited = b.agent("limited", "eng");
      b.itemGrant("resource", { agent: limited }, docs, "*");
      b.itemGrant("prompt", { agent: limited }, docs, "*");
      b.policy(
        "rate_limit",
        { limits: [{ per: "agent", window: "minute", max: 2 }] },
        { agents: [limited.id] },
      );
      for (const a of [toolsOnly, reader, guarded, screened, limited]) keys[a.name] = b.key(a).key;
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

const eventsOf = (agentName: string, method: string) =>
  h.waitForEvents((all) => all.some((e) => e.agentName === agentName && e.method === method));

describe("resource and prompt grants", () => {
  it("a tool grant exposes no resource and no prompt (default deny)", async () => {
    const client = await connectModernClient(h.gateway.url, keys["tools-only"]);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain("docs__echo");
    expect((await client.listResources()).resources).toEqual([]);
    expect((await client.listPrompts()).prompts).toEqual([]);
    await expect(client.readResource("fixture://readme")).rejects.toThrow(/unknown resource/);
    await expect(client.getPrompt("docs__greet", { name: "Ada" })).rejects.toThrow(/unknown prompt/);
    await client.close();
  });

  it("serves what item grants allow; a deny grant on one prompt wins over '*'", async () => {
    const client = await connectModernClient(h.gateway.url, keys.reader);
    expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["fixture://readme"]);
    expect((await client.readResource("fixture://readme")).contents[0]?.text).toContain("docs");
    expect((await client.listPrompts()).prompts).toEqual([]);
    await expect(client.getPrompt("docs__greet", { name: "Ada" })).rejects.toThrow(
      /prompt 'docs__greet' denied: a deny grant forbids prompt 'greet'/,
    );
    // A URI no grant matches is refused at the gateway, without asking the upstream.
    await expect(client.readResource("other://secret")).rejects.toThrow(
      /read of 'other:\/\/secret' denied: no grant gives agent 'reader' access to resource 'other:\/\/secret'/,
    );
    await client.close();
    const [denied] = (await eventsOf("reader", "prompts/get")).filter(
      (e: AuditEvent) => e.agentName === "reader" && e.method === "prompts/get",
    );
    expect(denied).toMatchObject({ decision: "denied", serverName: "docs", toolName: "greet" });
  });
});

/** The JSON-RPC error a request failed with, as the client's SDK surfaced it. */
const rpcErrorOf = (request: Promise<unknown>) =>
  request.then(
    () => {
      throw new Error("the request succeeded");
    },
    (e: { code?: number; data?: unknown }) => ({ code: e.code, data: e.data }),
  );

describe.each(CLIENTS)("an unknown resource, for a client of revision $revision", ({ connect }) => {
  // SEP-2164 (2026-07-28, and what the SDK sends 2025 clients): -32602 with `data` exactly
  // `{ uri }`, the shape SDK clients recognise as "resource not found".
  it("is answered with the requested URI, whether the upstream or the gateway says so", async () => {
    const reader = await connect(h.gateway.url, keys.reader);
    const toolsOnly = await connect(h.gateway.url, keys["tools-only"]);
    try {
      // Granted by `fixture://*`, and the upstream has no such resource.
      expect(await rpcErrorOf(reader.readResource("fixture://missing"))).toEqual({
        code: -32602,
        data: { uri: "fixture://missing" },
      });
      // No server the agent may read resources of: the gateway answers without asking one.
      expect(await rpcErrorOf(toolsOnly.readResource("fixture://readme"))).toEqual({
        code: -32602,
        data: { uri: "fixture://readme" },
      });
      await expect(reader.readResource("fixture://missing")).rejects.toThrow(
        /upstream 'docs' returned an error/,
      );
    } finally {
      await reader.close();
      await toolsOnly.close();
    }
  });
});

describe("DLP on resources, prompts and upstream errors", () => {
  it("blocks a resource whose contents a result detector matches", async () => {
    const client = await connectModernClient(h.gateway.url, keys.guarded);
    await expect(client.readResource("fixture://readme")).rejects.toThrow(
      /resource 'fixture:\/\/readme' blocked by DLP policy '[^']+': fixture-banner in \$\.contents\[0\]\.text/,
    );
    await client.close();
  });

  it("redacts prompt arguments before they reach the upstream and keeps them masked in the audit log", async () => {
    const client = await connectModernClient(h.gateway.url, keys.guarded);
    const prompt = await client.getPrompt("docs__greet", { name: EMAIL });
    await client.close();
    const text = JSON.stringify(prompt.messages);
    expect(text).toContain("Hello, [REDACTED:email]!");
    expect(text).not.toContain(EMAIL);
    const events = await eventsOf("guarded", "prompts/get");
    const event = events.find((e) => e.agentName === "guarded" && e.method === "prompts/get")!;
    expect(event.arguments).toEqual({ name: "[REDACTED:email]" });
    expect(event.dlp?.map((f) => [f.detector, f.direction, f.path])).toEqual([
      ["email", "arguments", "$.arguments.name"],
    ]);
  });

  it("redacts an upstream error message that echoes a secret", async () => {
    // DLP on results only: the URI goes out as is and the upstream's "not found" echoes it.
    const client = await connectModernClient(h.gateway.url, keys.screened);
    const err = await client.readResource(`fixture://${AWS}`).catch((e: Error) => e);
    await client.close();
    expect(String(err)).toMatch(
      /upstream 'docs' returned an error: .*fixture:\/\/\[REDACTED:aws-access-key\]/,
    );
    expect(String(err)).not.toContain(AWS);
    const events = await eventsOf("screened", "resources/read");
    const event = events.find((e) => e.agentName === "screened" && e.method === "resources/read")!;
    expect(event.reason).not.toContain(AWS);
    expect(event.dlp?.map((f) => [f.detector, f.direction, f.path])).toEqual([
      ["aws-access-key", "result", "$.error.message"],
    ]);
  });
});

describe("rate limits on resources and prompts", () => {
  it("counts resource reads and prompt gets against the agent's limit", async () => {
    const client = await connectModernClient(h.gateway.url, keys.limited);
    await client.readResource("fixture://readme");
    await client.getPrompt("docs__greet", { name: "Ada" });
    await expect(client.readResource("fixture://readme")).rejects.toThrow(/rate limit '[^']+' exceeded/);
    await client.close();
  });
});
