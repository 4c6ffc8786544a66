import {
  type FixtureServer,
  type ModernHttpServerOptions,
  startModernHttpServer,
} from "@portcullis/testkit/fixture-servers";
import { startMixedRevisionServer } from "@portcullis/testkit/mixed-revision-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ChannelRefusal } from "./call-channel";
import { leanCall2026Stats } from "./lean-call-2026";
import { type CallToolOptions, UpstreamPool } from "./pool";
import { LOOPBACK_TEST_POLICY } from "./test-policy";
import type { UpstreamSpec } from "./types";

// The 2026-07-28 lean call against the SDK client's call, on real v2 SDK servers (JSON and
// SSE answers) and a mixed-revision server: the same calls, once each way, must give the same
// result or the same error, the same logs and the same answers to the server's questions.

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

const tools = {
  structured: {
    description: "Structured content.",
    inputSchema: {},
    handler: () => ({ content: [{ type: "text", text: '{"n":1}' }], structuredContent: { n: 1 } }),
  },
  "with-meta": {
    description: "Result _meta.",
    inputSchema: {},
    handler: () => ({ content: [{ type: "text", text: "m" }], _meta: { "example.com/trace": "t1" } }),
  },
  invalid: {
    description: "A text block without its text.",
    inputSchema: {},
    handler: () => ({ content: [{ type: "text" }] }),
  },
  throws: {
    description: "Throws.",
    inputSchema: {},
    handler: () => {
      throw new Error("boom from upstream");
    },
  },
  sleep: {
    description: "Answers after 1 s.",
    inputSchema: {},
    handler: async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return { content: [{ type: "text", text: "slept" }] };
    },
  },
};

/** v2 surface: a tool that logs, one that asks the client (an input_required round). */
function questions(server: Parameters<NonNullable<ModernHttpServerOptions["extend"]>>[0]) {
  server.server.registerCapabilities({ logging: {} });
  server.registerTool(
    "log",
    { description: "Logs, then answers.", inputSchema: z.object({}) },
    async (_a, ctx) => {
      await ctx.mcpReq.log("info", "working", "fixture");
      return text("logged");
    },
  );
  server.registerTool("ask", { description: "Asks a name.", inputSchema: z.object({}) }, async (_a, ctx) => {
    const answer = ctx.mcpReq.inputResponses?.name as { action?: string } | undefined;
    if (!answer)
      return {
        resultType: "input_required",
        inputRequests: {
          name: {
            method: "elicitation/create",
            params: {
              mode: "form",
              message: "Your name?",
              requestedSchema: { type: "object", properties: { name: { type: "string" } } },
            },
          },
        },
      } as never;
    return text(`answered ${answer.action}`);
  });
}

let auto: FixtureServer;
let sse: FixtureServer;
let mixed: FixtureServer;
let pool: UpstreamPool;
const warnings: string[] = [];

beforeAll(async () => {
  auto = await startModernHttpServer({ tag: "auto", tools, extend: questions });
  sse = await startModernHttpServer({ tag: "sse", tools, extend: questions, responseMode: "sse" });
  mixed = await startMixedRevisionServer({ tag: "mixed", tools });
  pool = new UpstreamPool({
    ...LOOPBACK_TEST_POLICY,
    logger: { info() {}, error() {}, warn: (_o, message) => void warnings.push(String(message)) },
  });
});

afterAll(async () => {
  await pool?.close();
  await Promise.all([auto?.close(), sse?.close(), mixed?.close()]);
});

function spec(server: FixtureServer, timeoutMs = 5_000): UpstreamSpec {
  return {
    name: server.tag,
    transport: "streamable-http",
    url: server.url,
    headers: {},
    timeoutMs,
  } as UpstreamSpec;
}

type Outcome = { result: unknown } | { error: { name: string; message: string; code?: unknown } };

/** One call, as the SDK path (lean off) or the lean one gives it, with what the channel saw. */
async function outcome(
  s: UpstreamSpec,
  name: string,
  lean: boolean,
  channel?: (seen: unknown[]) => CallToolOptions["channel"],
): Promise<{ outcome: Outcome; seen: unknown[]; leanSent: number }> {
  const seen: unknown[] = [];
  const before = leanCall2026Stats.sent;
  let out: Outcome;
  try {
    out = {
      result: await pool.callTool(
        s,
        name,
        { message: "hi" },
        { lean, ...(channel && { channel: channel(seen) }) },
      ),
    };
  } catch (error) {
    const e = error as Error & { code?: unknown };
    out = { error: { name: e.name, message: e.message, code: e.code } };
  }
  return { outcome: out, seen, leanSent: leanCall2026Stats.sent - before };
}

const logging = (seen: unknown[]) => ({ onLog: (params: Record<string, unknown>) => void seen.push(params) });
const refusing = (seen: unknown[]) => ({
  onRequest: async (method: string) => {
    seen.push(method);
    throw new ChannelRefusal(-32600, "no client to ask");
  },
});
const answering = (seen: unknown[]) => ({
  onRequest: async (method: string) => {
    seen.push(method);
    return { action: "accept", content: { name: "Ada" } };
  },
});

const cases: Array<[string, () => UpstreamSpec, string, ((seen: unknown[]) => CallToolOptions["channel"])?]> =
  [
    ["echo (JSON)", () => spec(auto), "echo"],
    ["echo (SSE)", () => spec(sse), "echo"],
    ["structured content", () => spec(auto), "structured"],
    ["result _meta (SSE)", () => spec(sse), "with-meta"],
    ["tool error result", () => spec(auto), "fail"],
    ["JSON-RPC error", () => spec(auto), "throws"],
    ["JSON-RPC error (SSE)", () => spec(sse), "throws"],
    ["unknown tool", () => spec(auto), "nope"],
    ["invalid result", () => spec(auto), "invalid"],
    ["timeout", () => spec(auto, 300), "sleep"],
    ["logs (SSE upgrade)", () => spec(auto), "log", logging],
    ["logs (SSE)", () => spec(sse), "log", logging],
    ["input_required without a channel", () => spec(auto), "ask"],
    ["input_required refused by the channel", () => spec(auto), "ask", refusing],
    ["input_required answered by the channel", () => spec(sse), "ask", answering],
    ["mixed revision: no resultType", () => spec(mixed), "echo"],
    ["mixed revision: invalid result", () => spec(mixed), "invalid"],
  ];

describe("lean 2026-07-28 tools/call", () => {
  it.each(cases)("%s: as the SDK client's call", async (_label, specOf, name, channel) => {
    const s = specOf();
    const sdk = await outcome(s, name, false, channel);
    const lean = await outcome(s, name, true, channel);
    expect(sdk.leanSent).toBe(0);
    expect(lean.leanSent).toBe(1);
    expect(lean.outcome).toEqual(sdk.outcome);
    expect(JSON.stringify(lean.outcome)).toBe(JSON.stringify(sdk.outcome));
    expect(lean.seen).toEqual(sdk.seen);
  });

  it("an aborted call: rejects as the SDK client's call does, and the upstream stops waiting", async () => {
    const aborted = async (lean: boolean) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("the agent went away")), 100);
      const before = leanCall2026Stats.sent;
      const error = (await pool
        .callTool(spec(auto), "sleep", {}, { lean, signal: controller.signal })
        .catch((e: unknown) => e)) as Error & { code?: unknown };
      return {
        name: error.name,
        message: error.message,
        code: error.code,
        lean: leanCall2026Stats.sent - before,
      };
    };
    const sdk = await aborted(false);
    const lean = await aborted(true);
    expect([sdk.message, sdk.lean, lean.lean]).toEqual(["the agent went away", 0, 1]);
    expect({ ...lean, lean: 0 }).toEqual({ ...sdk, lean: 0 });
  });

  it("warns once that a mixed-revision server omits resultType, and still answers", async () => {
    const { outcome: out } = await outcome(spec(mixed), "echo", true);
    expect(out).toEqual({
      result: expect.objectContaining({ content: [{ type: "text", text: "echo: hi" }] }),
    });
    expect(warnings.filter((w) => w.includes("without the required resultType"))).toHaveLength(1);
  });

  it("leaves a connection whose tools were listed to the SDK (it validates output schemas)", async () => {
    const s = spec(sse);
    await pool.listTools(s);
    expect((await outcome(s, "echo", true)).leanSent).toBe(0);
  });
});
