import type { AuditEvent } from "@portcullis/contracts/audit";
import type { SnapshotAgent } from "@portcullis/contracts/snapshot";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS, type TestClient } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// Issue 13: `search_tools` and `execute` are governed themselves, not only their inner calls:
// DLP scans the query and the code (and the audit log keeps them masked), and rate limits
// count meta-tool calls per agent. Real gateway, Redis, audit queue, upstream and SDK clients.
const AWS = "AKIAZ3MSJV4WWUZ7GHXQ";
const EMAIL = "jane.doe@acme-corp.io";

let fixture: FixtureServer;
let h: GatewayHarness;
const keys: Record<string, string> = {};
const agents: Record<string, SnapshotAgent> = {};
const forwarded: Array<Record<string, unknown>> = [];

type Result = { content?: unknown; isError?: boolean; structuredContent?: Record<string, unknown> };

beforeAll(async () => {
  fixture = await startLegacyHttpServer({ tag: "meta", onCall: (_name, args) => forwarded.push(args) });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const alpha = b.server({ name: "alpha", transport: "streamable-http", url: fixture.url });
      b.addTools(alpha, await pool.listTools(b.upstreamSpecForTest(alpha)));
      b.grant({ team: "platform" }, alpha, "*");
      const add = (name: string, exposure: "search" | "code") => {
        const agent = b.agent(name, "platform");
        agent.exposure = exposure;
        agents[name] = agent;
        keys[name] = b.key(agent).key;
      };
      add("coder", "code");
      add("searcher", "search");
      add("limited-0", "code");
      add("limited-1", "code");
      // No exposure of its own: it takes the portal's (search), and finds only the portal's tools.
      const viaPortal = b.agent("via-portal", "platform");
      agents["via-portal"] = viaPortal;
      keys["via-portal"] = b.key(viaPortal).key;
      b.portal("echo-only", [{ server: alpha, tools: ["echo"] }], { exposure: "search" });
      const policy = (
        name: string,
        kind: "dlp" | "rate_limit",
        config: Record<string, unknown>,
        scope: Record<string, string[]>,
      ) => {
        b.policy(kind, config, scope).name = name;
      };
      // No server or tool in these scopes: they cover the meta-tools as well as every tool.
      policy(
        "no-keys",
        "dlp",
        { detectors: ["aws-access-key"], direction: "arguments", action: "block" },
        { teams: [b.team("platform")] },
      );
      policy(
        "mask-mail",
        "dlp",
        { detectors: ["email"], direction: "arguments", action: "redact" },
        { teams: [b.team("platform")] },
      );
      // A policy on an upstream server does not reach the meta-tools (their inner calls, yes).
      policy(
        "alpha-only",
        "rate_limit",
        { limits: [{ per: "agent", window: "minute", max: 1 }] },
        { servers: [alpha.id], agents: [agents.searcher!.id] },
      );
      policy(
        "meta-calls",
        "rate_limit",
        { limits: [{ per: "agent", window: "minute", max: 3 }] },
        { agents: [agents["limited-0"]!.id, agents["limited-1"]!.id] },
      );
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await fixture?.close();
});

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the call to be refused");
}

/**
 * The audit event of `agent`'s call to the meta-tool `tool` that `matches`, after `before`
 * events (events of earlier calls may still be arriving: they are told apart by `matches`).
 */
async function eventOf(
  agent: string,
  tool: string,
  before: number,
  matches: (e: AuditEvent) => boolean,
): Promise<AuditEvent> {
  const mine = (e: AuditEvent) => e.agentName === agent && e.toolName === tool && !e.parentId && matches(e);
  const all = await h.waitForEvents((events) => events.slice(before).some(mine));
  return all.slice(before).find(mine)!;
}

describe.each(CLIENTS)("meta-tool governance, client $revision", ({ revision, connect }) => {
  let coder: TestClient;
  let searcher: TestClient;
  const run = (code: string) => coder.callTool("execute", { code }) as Promise<Result>;

  beforeAll(async () => {
    coder = await connect(h.gateway.url, keys.coder!);
    searcher = await connect(h.gateway.url, keys.searcher!);
  });
  afterAll(async () => {
    await Promise.all([coder?.close(), searcher?.close()]);
  });

  it("blocks a search whose query carries a key, and audits the query masked", async () => {
    const before = h.events.length;
    const message = await errorOf(searcher.callTool("search_tools", { query: `echo ${AWS}` }));
    expect(message).toMatch(
      /call to 'search_tools' blocked by DLP policy 'no-keys': aws-access-key in \$\.arguments\.query/,
    );
    expect(message).not.toContain(AWS);
    const event = await eventOf("searcher", "search_tools", before, (e) => e.decision !== "allowed");
    expect(event.decision).toBe("denied");
    expect(JSON.stringify(event)).not.toContain(AWS);
    expect(JSON.stringify(event.arguments)).toContain("echo");
  });

  it("blocks code that carries a key before it runs: nothing reaches the upstream", async () => {
    const before = h.events.length;
    const calls = forwarded.length;
    const message = await errorOf(run(`return await tools.alpha__echo({ message: "${AWS}" });`));
    expect(message).toMatch(
      /call to 'execute' blocked by DLP policy 'no-keys': aws-access-key in \$\.arguments\.code/,
    );
    expect(forwarded.length).toBe(calls);
    const event = await eventOf("coder", "execute", before, (e) => e.decision !== "allowed");
    expect(event.decision).toBe("denied");
    expect(JSON.stringify(event)).not.toContain(AWS);
    expect((event.arguments as { code: string }).code).toContain("tools.alpha__echo");
  });

  it("runs redacted code, and the execute and search events keep only the masked text", async () => {
    const before = h.events.length;
    const r = await run(`return await tools.alpha__echo({ message: "mail ${EMAIL}" });`);
    expect(r.structuredContent?.result).toBe("echo: mail [REDACTED:email]");
    expect(JSON.stringify(forwarded)).not.toContain(EMAIL);
    const event = await eventOf("coder", "execute", before, (e) => e.dlp != null);
    expect((event.arguments as { code: string }).code).toContain("mail [REDACTED:email]");
    expect(JSON.stringify(event)).not.toContain(EMAIL);
    expect(event.dlp?.map((f) => f.detector)).toEqual(["email"]);

    const found = (await searcher.callTool("search_tools", { query: `echo for ${EMAIL}` })) as Result;
    expect(JSON.stringify(found.structuredContent)).toContain("alpha__echo");
    const search = await eventOf("searcher", "search_tools", before, (e) => e.dlp != null);
    expect(JSON.stringify(search)).not.toContain(EMAIL);
    expect(JSON.stringify(search.arguments)).toContain("[REDACTED:email]");
  });

  it("screens a key the code assembles at run time on the inner call, as a direct call", async () => {
    const calls = forwarded.length;
    const half = AWS.length / 2;
    const r = await run(
      `try { await tools.alpha__echo({ message: "${AWS.slice(0, half)}" + "${AWS.slice(half)}" }); return "sent"; } catch (e) { return e.message; }`,
    );
    expect(r.structuredContent?.result).toMatch(
      /call to 'alpha__echo' blocked by DLP policy 'no-keys': aws-access-key in \$\.arguments\.message/,
    );
    expect(forwarded.length).toBe(calls);
  });

  it("counts search_tools and execute against an agent's rate limit, with the limit's own error", async () => {
    const name = `limited-${revision === CLIENTS[0].revision ? 0 : 1}`;
    const client = await connect(h.gateway.url, keys[name]!);
    try {
      await client.callTool("search_tools", { query: "echo" });
      await client.callTool("search_tools", { query: "add numbers" });
      expect(
        ((await client.callTool("execute", { code: "return 1" })) as Result).structuredContent?.result,
      ).toBe(1);
      const before = h.events.length;
      expect(await errorOf(client.callTool("search_tools", { query: "echo" }))).toMatch(
        /rate limit 'meta-calls' exceeded: 3 calls per minute per agent; retry in /,
      );
      expect(await errorOf(client.callTool("execute", { code: "return 1" }))).toMatch(
        /rate limit 'meta-calls' exceeded/,
      );
      const event = await eventOf(name, "search_tools", before, (e) => e.decision !== "allowed");
      expect(event.decision).toBe("denied");
      expect(event.errorCode).toBe(-32029);
    } finally {
      await client.close();
    }
  });

  it("searches through a portal among the portal's tools only", async () => {
    const client = await connect(`${h.gateway.url}/echo-only`, keys["via-portal"]!);
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["search_tools", "call_tool"]);
      const names = async (query: string) =>
        (
          ((await client.callTool("search_tools", { query, limit: 20 })) as Result).structuredContent
            ?.tools as
            | Array<{
                name: string;
              }>
            | undefined
        )?.map((t) => t.name);
      expect(await names("echo the message back")).toEqual(["alpha__echo"]);
      expect(await names("add two numbers")).not.toContain("alpha__add");
    } finally {
      await client.close();
    }
  });

  it("leaves meta-tools outside a policy scoped to an upstream server", async () => {
    for (let i = 0; i < 3; i++) {
      const r = (await searcher.callTool("search_tools", { query: "echo" })) as Result;
      expect(r.isError).toBeFalsy();
    }
  });
});
