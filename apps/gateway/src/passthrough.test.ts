import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { AuditEvent } from "@portcullis/contracts/audit";
import {
  type FixtureServer,
  startLegacyHttpServer,
  startModernHttpServer,
  startSseServer,
} from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENTS } from "./testing/clients";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";
import {
  bumpCounter,
  legacyPassthroughSurface,
  modernPassthroughSurface,
  waitCalls,
} from "./testing/passthrough-surface";

// Issue 9 points 2 and 3: what an upstream does during a call reaches the agent's client
// (logs, elicitation, sampling, roots), completions and cancellation pass, each under policy.
let legacy: FixtureServer;
let modern: FixtureServer;
let sse: FixtureServer;
let h: GatewayHarness;
const keys: Record<string, string> = {};

beforeAll(async () => {
  legacy = await startLegacyHttpServer({ tag: "legacy", extend: legacyPassthroughSurface });
  modern = await startModernHttpServer({ tag: "modern", extend: modernPassthroughSurface });
  sse = await startSseServer({ tag: "sse", extend: legacyPassthroughSurface });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      // up25 may sample; strict is the same 2025 server with elicitation off and sampling at its default.
      const up25 = b.server({
        name: "up25",
        transport: "streamable-http",
        url: legacy.url,
        allowSampling: true,
      });
      const up26 = b.server({
        name: "up26",
        transport: "streamable-http",
        url: modern.url,
        allowSampling: true,
      });
      const strict = b.server({
        name: "strict",
        transport: "streamable-http",
        url: legacy.url,
        allowElicitation: false,
      });
      for (const s of [up25, strict]) b.addTools(s, await pool.listTools(b.upstreamSpecForTest(s)));
      b.addTools(up26, await pool.listTools(b.upstreamSpecForTest(up26)));
      // HTTP+SSE has one stream for everything: requests can be attributed only to a lone call.
      const overSse = b.server({ name: "oversse", transport: "sse", url: sse.url });
      b.addTools(overSse, await pool.listTools(b.upstreamSpecForTest(overSse)));
      const agent = b.agent("relay-bot", "eng");
      // The 2026-07-28 server with elicitation off: it sees a decline (that revision has no error answer).
      const strict26 = b.server({
        name: "strict26",
        transport: "streamable-http",
        url: modern.url,
        allowElicitation: false,
      });
      b.addTools(strict26, await pool.listTools(b.upstreamSpecForTest(strict26)));
      for (const s of [up25, up26, strict, overSse, strict26]) b.grant({ agent }, s, "*");
      b.itemGrant("prompt", { agent }, up25, "pick");
      b.itemGrant("resource", { agent }, up25, "fixture://counter");
      keys.agent = b.key(agent).key;
      const outsider = b.agent("outsider", "eng");
      b.grant({ agent: outsider }, up25, "log");
      keys.outsider = b.key(outsider).key;
      const careful = b.agent("careful", "eng");
      b.grant({ agent: careful }, strict, "wait", "approve");
      keys.careful = b.key(careful).key;
      // Reads any fixture:// resource of the 2025 server, to see its answer for a missing one.
      const reader = b.agent("reader", "eng");
      b.itemGrant("resource", { agent: reader }, up25, "fixture://*");
      keys.reader = b.key(reader).key;
      // Completions through portals: up25's prompt under its own name, and a portal without up25.
      b.portal("relay", [{ server: up25, tools: ["*"] }], { naming: "bare" });
      b.portal("elsewhere", [{ server: up26, tools: ["*"] }]);
    },
  });
  await pool.close();
});

afterAll(async () => {
  await h?.close();
  await legacy?.close();
  await modern?.close();
  await sse?.close();
});

const CAPABILITIES = { elicitation: { form: {}, url: {} }, sampling: {}, roots: { listChanged: false } };

/** What a test client answers when asked, and what it was sent. */
interface Seen {
  logs: Array<{ level: string; data: unknown }>;
  elicitations: Array<Record<string, unknown>>;
}

interface RelayClient {
  revision: string;
  call(name: string, args?: Record<string, unknown>, signal?: AbortSignal): Promise<string>;
  complete(prompt: string, value: string): Promise<string[]>;
  setLevel(level: "debug" | "error"): Promise<void>;
  ping(): Promise<void>;
  seen: Seen;
  close(): Promise<void>;
}

const textOf = (result: { content?: unknown }) =>
  ((result.content as Array<{ text?: string }>) ?? []).map((b) => b.text).join("");

async function connectLegacy(key: string, path = ""): Promise<RelayClient> {
  const seen: Seen = { logs: [], elicitations: [] };
  const client = new LegacyClient({ name: "legacy-relay", version: "1" }, { capabilities: CAPABILITIES });
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    seen.logs.push({ level: n.params.level, data: n.params.data });
  });
  client.setRequestHandler(ElicitRequestSchema, (r) => {
    seen.elicitations.push(r.params as Record<string, unknown>);
    return r.params.mode === "url" ? { action: "accept" } : { action: "accept", content: { name: "Ada" } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, () => ({
    role: "assistant",
    content: { type: "text", text: "old pond, a frog" },
    model: "test-model",
  }));
  client.setRequestHandler(ListRootsRequestSchema, () => ({
    roots: [{ uri: "file:///work/repo", name: "repo" }],
  }));
  await client.connect(
    new LegacyTransport(new URL(`${h.gateway.url}${path}`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  return {
    revision: "2025-11-25",
    call: async (name, args, signal) =>
      textOf(
        (await client.callTool({ name, arguments: args ?? {} }, undefined, { signal })) as {
          content?: unknown;
        },
      ),
    complete: async (prompt, value) =>
      (
        await client.complete({
          ref: { type: "ref/prompt", name: prompt },
          argument: { name: "fruit", value },
        })
      ).completion.values,
    setLevel: async (level) => void (await client.setLoggingLevel(level)),
    ping: async () => void (await client.ping()),
    seen,
    close: () => client.close(),
  };
}

async function connectModern(key: string, path = ""): Promise<RelayClient> {
  const seen: Seen = { logs: [], elicitations: [] };
  const client = new ModernClient(
    { name: "modern-relay", version: "2" },
    { capabilities: CAPABILITIES, versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  client.setNotificationHandler("notifications/message", (n) => {
    seen.logs.push({ level: n.params.level, data: n.params.data });
  });
  client.setRequestHandler("elicitation/create", (r) => {
    seen.elicitations.push(r.params as Record<string, unknown>);
    return r.params.mode === "url" ? { action: "accept" } : { action: "accept", content: { name: "Ada" } };
  });
  client.setRequestHandler("sampling/createMessage", () => ({
    role: "assistant",
    content: { type: "text", text: "old pond, a frog" },
    model: "test-model",
  }));
  client.setRequestHandler("roots/list", () => ({ roots: [{ uri: "file:///work/repo", name: "repo" }] }));
  await client.connect(
    new ModernTransport(new URL(`${h.gateway.url}${path}`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  return {
    revision: "2026-07-28",
    call: async (name, args, signal) =>
      textOf((await client.callTool({ name, arguments: args ?? {} }, { signal })) as { content?: unknown }),
    complete: async (prompt, value) =>
      (
        await client.complete({
          ref: { type: "ref/prompt", name: prompt },
          argument: { name: "fruit", value },
        })
      ).completion.values,
    setLevel: async () => {},
    ping: async () => {},
    seen,
    close: () => client.close(),
  };
}

/** Waits for the audit event of a server-to-client request (each one is an event of its own). */
const auditedRequest = (method: string, match: Partial<AuditEvent>) =>
  h.waitForEvents((all) =>
    all.some(
      (e) => e.method === method && Object.entries(match).every(([k, v]) => e[k as keyof AuditEvent] === v),
    ),
  );

describe.each([
  { revision: "2025-11-25", connect: connectLegacy },
  { revision: "2026-07-28", connect: connectModern },
])("a client of revision $revision", ({ connect }) => {
  it.each(["up25", "up26"])("gets the log messages the %s upstream sends during a call", async (server) => {
    const client = await connect(keys.agent!);
    try {
      expect(await client.call(`${server}__log`)).toBe("logged");
      expect(client.seen.logs).toEqual([
        { level: "info", data: "working" },
        { level: "error", data: "almost failed" },
      ]);
    } finally {
      await client.close();
    }
  });

  it("gets argument completions for a granted prompt, and none for an ungranted one", async () => {
    const client = await connect(keys.agent!);
    const outsider = await connect(keys.outsider!);
    try {
      expect(await client.complete("up25__pick", "ap")).toEqual(["apple", "apricot"]);
      await expect(outsider.complete("up25__pick", "ap")).rejects.toThrow(/unknown prompt 'up25__pick'/);
    } finally {
      await client.close();
      await outsider.close();
    }
  });

  it("completes a prompt by its own name through a bare portal, and only what grants and the portal allow", async () => {
    const client = await connect(keys.agent!, "/relay");
    const outsider = await connect(keys.outsider!, "/relay");
    const elsewhere = await connect(keys.agent!, "/elsewhere");
    try {
      expect(await client.complete("pick", "ap")).toEqual(["apple", "apricot"]);
      await expect(outsider.complete("pick", "ap")).rejects.toThrow(/unknown prompt 'pick'/);
      // The agent may use up25's prompt, but this portal selects only up26.
      await expect(elsewhere.complete("up25__pick", "ap")).rejects.toThrow(/unknown prompt 'up25__pick'/);
    } finally {
      await client.close();
      await outsider.close();
      await elsewhere.close();
    }
  });

  it.each(["up25", "up26"])("answers a form elicitation from the %s upstream, audited", async (server) => {
    const client = await connect(keys.agent!);
    try {
      expect(await client.call(`${server}__ask`)).toBe('accept {"name":"Ada"}');
      expect(client.seen.elicitations).toMatchObject([{ message: "Your name?" }]);
      await auditedRequest("elicitation/create", {
        serverName: server,
        toolName: "ask",
        decision: "allowed",
        resultSummary: "action: accept",
      });
    } finally {
      await client.close();
    }
  });

  it("is never asked by a server whose elicitation is off; the upstream gets a clear error", async () => {
    const client = await connect(keys.agent!);
    try {
      expect(await client.call("strict__ask")).toBe(
        "elicitation failed: MCP error -32600: Portcullis refused elicitation/create: server 'strict' is not allowed to ask the user for input (allowElicitation is off)",
      );
      expect(client.seen.elicitations).toEqual([]);
      await auditedRequest("elicitation/create", {
        serverName: "strict",
        toolName: "ask",
        decision: "denied",
      });
    } finally {
      await client.close();
    }
  });

  it("a 2026-07-28 server whose elicitation is off gets a decline, and the client is not asked", async () => {
    const client = await connect(keys.agent!);
    try {
      expect(await client.call("strict26__ask")).toBe("decline");
      expect(client.seen.elicitations).toEqual([]);
      await auditedRequest("elicitation/create", {
        serverName: "strict26",
        toolName: "ask",
        decision: "denied",
      });
    } finally {
      await client.close();
    }
  });

  it("opens an https URL elicitation and refuses a plain-http one", async () => {
    const client = await connect(keys.agent!);
    try {
      expect(await client.call("up25__ask", { url: "https://login.example.com/start" })).toBe("accept");
      expect(await client.call("up25__ask", { url: "http://login.example.com/start" })).toMatch(
        /URL-mode elicitation only opens https URLs, not 'http:\/\/login\.example\.com'/,
      );
      expect(client.seen.elicitations).toMatchObject([
        { mode: "url", url: "https://login.example.com/start" },
      ]);
    } finally {
      await client.close();
    }
  });

  it.each(["up25", "up26"])(
    "relays sampling from the %s upstream when the server may sample",
    async (server) => {
      const client = await connect(keys.agent!);
      try {
        expect(await client.call(`${server}__sample`)).toBe("sampled: old pond, a frog");
      } finally {
        await client.close();
      }
    },
  );

  it("refuses sampling to a server at the default (sampling off)", async () => {
    const client = await connect(keys.agent!);
    try {
      expect(await client.call("strict__sample")).toMatch(
        /sampling failed: .*server 'strict' is not allowed to sample the client's model \(allowSampling is off\)/,
      );
      await auditedRequest("sampling/createMessage", {
        serverName: "strict",
        toolName: "sample",
        decision: "denied",
      });
    } finally {
      await client.close();
    }
  });

  it("answers the upstream's roots/list with the client's roots", async () => {
    const client = await connect(keys.agent!);
    try {
      expect(await client.call("up25__roots")).toBe("roots: file:///work/repo");
    } finally {
      await client.close();
    }
  });

  it("cancelling a call cancels it upstream", async () => {
    const client = await connect(keys.agent!);
    try {
      const before = waitCalls.aborted;
      const controller = new AbortController();
      const pending = client.call("up25__wait", {}, controller.signal).catch((e: Error) => e.message);
      await new Promise((r) => setTimeout(r, 300));
      controller.abort("user pressed stop");
      await pending;
      await expect.poll(() => waitCalls.aborted, { timeout: 3_000 }).toBe(before + 1);
    } finally {
      await client.close();
    }
  });
});

describe.each(CLIENTS)("MCP Apps, for a client of revision $revision", ({ connect }) => {
  it("a granted tool's ui:// resource is listed with the tool and readable without a resource grant", async () => {
    const client = await connect(h.gateway.url, keys.agent!);
    const outsider = await connect(h.gateway.url, keys.outsider!);
    try {
      const tool = (await client.listTools()).tools.find((t) => t.name === "up26__dashboard") as
        | { _meta?: unknown }
        | undefined;
      expect(tool?._meta).toEqual({ ui: { resourceUri: "ui://dashboard/main" } });
      const read = await client.readResource("ui://dashboard/main");
      expect(read.contents[0]?.text).toBe("<main>dashboard</main>");
      // Not granted the tool: the interface is as unknown as any ungranted resource.
      await expect(outsider.readResource("ui://dashboard/main")).rejects.toThrow(/unknown resource/);
    } finally {
      await client.close();
      await outsider.close();
    }
  });
});

describe("an upstream without per-request streams (HTTP+SSE)", () => {
  it("gets its elicitation relayed while one call runs, and refused when it cannot tell whose call it is", async () => {
    const client = await connectLegacy(keys.agent!);
    try {
      expect(await client.call("oversse__ask")).toBe('accept {"name":"Ada"}');
      const controller = new AbortController();
      const waiting = client.call("oversse__wait", {}, controller.signal).catch(() => "cancelled");
      await new Promise((r) => setTimeout(r, 300));
      // Two calls on the shared connection: the request could be either agent's, so nobody is asked.
      expect(await client.call("oversse__ask")).toBe(
        "elicitation failed: MCP error -32600: Portcullis relays elicitation/create only during a tools/call it can attribute to one client; this request has none",
      );
      controller.abort("done");
      await waiting;
      expect(client.seen.elicitations).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});

describe("an upstream over Streamable HTTP", () => {
  it("has each request attributed to the call whose stream carried it, however many run", async () => {
    const client = await connectLegacy(keys.agent!);
    try {
      const controller = new AbortController();
      const waiting = client.call("up25__wait", {}, controller.signal).catch(() => "cancelled");
      await new Promise((r) => setTimeout(r, 300));
      expect(await client.call("up25__ask")).toBe('accept {"name":"Ada"}');
      controller.abort("done");
      await waiting;
    } finally {
      await client.close();
    }
  });
});

describe("cancellation", () => {
  it("a 2025 client's notifications/cancelled ends a call waiting for approval", async () => {
    const client = await connectLegacy(keys.careful!);
    try {
      const before = waitCalls.aborted;
      const controller = new AbortController();
      const pending = client.call("strict__wait", {}, controller.signal).catch((e: Error) => e.message);
      // Waiting for a human: without the cancellation this call would wait for the approval timeout.
      await new Promise((r) => setTimeout(r, 500));
      controller.abort("changed my mind");
      await pending;
      const events = await h.waitForEvents(
        (all) => all.some((e) => e.agentName === "careful" && e.method === "tools/call"),
        3_000,
      );
      const call = events.find((e) => e.agentName === "careful" && e.method === "tools/call");
      expect(call?.upstreamStatus).toBeNull();
      expect(waitCalls.aborted).toBe(before);
    } finally {
      await client.close();
    }
  });
});

describe("resource subscriptions", () => {
  it("a 2026-07-28 client listens to the resources it may read and gets their updates", async () => {
    const updates: string[] = [];
    const client = new ModernClient(
      { name: "listener", version: "2" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    client.setNotificationHandler("notifications/resources/updated", (n) => {
      updates.push(n.params.uri);
    });
    await client.connect(
      new ModernTransport(new URL(h.gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${keys.agent}` } },
      }),
    );
    try {
      const subscription = await client.listen({
        resourceSubscriptions: ["fixture://counter", "fixture://secret"],
      });
      // The ungranted URI is not honoured: the acknowledgement says what the client will get.
      expect(subscription.honoredFilter.resourceSubscriptions).toEqual(["fixture://counter"]);
      await expect.poll(() => bumpCounter(), { timeout: 3_000 }).toBeGreaterThan(0);
      await expect.poll(() => updates, { timeout: 3_000 }).toContain("fixture://counter");
      await subscription.close();
      // A closed listen stream stops counting at once (not at the next snapshot swap): with
      // no subscriber left, the upstream subscription ends.
      await expect.poll(() => bumpCounter(), { timeout: 3_000 }).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("a 2025 client's subscribe is decided by its grants (its updates: resource-updates.test.ts)", async () => {
    const client = new LegacyClient({ name: "legacy-sub", version: "1" });
    await client.connect(
      new LegacyTransport(new URL(h.gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${keys.agent}` } },
      }),
    );
    try {
      await expect(client.subscribeResource({ uri: "fixture://secret" })).rejects.toThrow(
        /unknown resource 'fixture:\/\/secret'/,
      );
      await expect(client.subscribeResource({ uri: "fixture://counter" })).resolves.toEqual({});
    } finally {
      await client.close();
    }
  });
});

describe("list_changed", () => {
  it("a listening 2026-07-28 client is told when a re-sync changes what it may see", async () => {
    let told = 0;
    const client = new ModernClient(
      { name: "watcher", version: "2" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    client.setNotificationHandler("notifications/tools/list_changed", () => {
      told++;
    });
    await client.connect(
      new ModernTransport(new URL(h.gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${keys.outsider}` } },
      }),
    );
    try {
      const subscription = await client.listen({ toolsListChanged: true });
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["up25__log"]);
      const up25 = h.builder.build(0).servers.find((s) => s.name === "up25")!;
      const outsider = h.builder.build(0).agents.find((a) => a.name === "outsider")!;
      h.builder.grant({ agent: outsider }, up25, "roots");
      await h.publish();
      await expect.poll(() => told, { timeout: 3_000 }).toBeGreaterThan(0);
      await expect
        .poll(async () => (await client.listTools({}, { cacheMode: "refresh" })).tools.map((t) => t.name), {
          timeout: 3_000,
        })
        .toEqual(["up25__log", "up25__roots"]);
      await subscription.close();
    } finally {
      await client.close();
    }
  });
});

describe("a client of revision 2025-11-25", () => {
  it("sets its log level: messages below it are not delivered; ping answers", async () => {
    const client = await connectLegacy(keys.agent!);
    try {
      await client.ping();
      await client.setLevel("error");
      expect(await client.call("up25__log")).toBe("logged");
      expect(client.seen.logs).toEqual([{ level: "error", data: "almost failed" }]);
      await client.setLevel("debug");
    } finally {
      await client.close();
    }
  });
});

describe.each(CLIENTS)(
  "a 2025 upstream's unknown resource, for a client of revision $revision",
  ({ connect }) => {
    it("is answered -32602 with data { uri }, though the v1 SDK server sent no data", async () => {
      const client = await connect(h.gateway.url, keys.reader);
      try {
        const error = await client.readResource("fixture://missing").then(
          () => null,
          (e: { code?: number; data?: unknown; message: string }) => e,
        );
        expect({ code: error?.code, data: error?.data }).toEqual({
          code: -32602,
          data: { uri: "fixture://missing" },
        });
        expect(error?.message).toMatch(/upstream 'up25' returned an error: .*fixture:\/\/missing/);
      } finally {
        await client.close();
      }
    });
  },
);
