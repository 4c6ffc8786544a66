import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import {
  argumentShapes,
  type FuzzRequest,
  hostileHeaders,
  malformedBodies,
  protocolMessages,
  sendFuzzCase,
} from "@portcullis/testkit/mcp-fuzz";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHarness, startGatewayHarness } from "./testing/gateway-harness";

// #10 point 13: fast-check against a running gateway (real HTTP, real SDK serving entry,
// real upstream). Thousands of cases here; `bench/fuzz.ts` runs longer against a gateway
// process and watches its memory. A failure prints fast-check's seed and shrunk case:
// replay with `FUZZ_SEED=<seed>`.
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let upstream: FixtureServer;
let h: GatewayHarness;
let key: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
  upstream = await startLegacyHttpServer({ tag: "fuzz" });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    // Hostile auth headers would otherwise be answered 429 after the first 30.
    hardening: { unauthenticated: { limit: 1_000_000, windowMs: 60_000 } },
    configure: async (b) => {
      const alpha = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(alpha, await pool.listTools(b.upstreamSpecForTest(alpha)));
      const agent = b.agent("fuzz-bot", "platform");
      b.grant({ agent }, alpha, "echo");
      b.grant({ agent }, alpha, "add");
      key = b.key(agent).key;
    },
  });
  await pool.close();
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
  await h?.close();
  await upstream?.close();
});

async function fuzz(arbitrary: fc.Arbitrary<FuzzRequest>, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arbitrary, async (request) => {
      const problem = await sendFuzzCase(h.gateway.url, request);
      if (problem) throw new Error(problem);
    }),
    { numRuns, ...(SEED !== undefined && { seed: SEED }), endOnFailure: true },
  );
}

describe("fuzzing the MCP endpoint", () => {
  it("survives malformed bodies", () => fuzz(malformedBodies(key), 600), 60_000);
  it("survives hostile headers", () => fuzz(hostileHeaders(key), 400), 60_000);
  it("survives every protocol message with any params", () => fuzz(protocolMessages(key), 600), 60_000);
  it(
    "survives tools/call with arguments of every shape",
    () => fuzz(argumentShapes(key, ["alpha__echo", "alpha__add"]), 400),
    60_000,
  );

  it("is still healthy, with no unhandled rejection or exception", async () => {
    expect((await fetch(new URL("/healthz", h.gateway.url))).status).toBe(200);
    expect(unhandled.map(String)).toEqual([]);
  });
});
