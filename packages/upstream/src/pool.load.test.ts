import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamPool } from "./pool";
import { LOOPBACK_TEST_POLICY } from "./test-policy";
import type { UpstreamSpec } from "./types";

// The legacy (stateful) fixture makes connections countable: one MCP session per connection.
let fixture: FixtureServer;
beforeAll(async () => {
  fixture = await startLegacyHttpServer();
});
afterAll(() => fixture.close());

const pools: UpstreamPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
function newPool(options: ConstructorParameters<typeof UpstreamPool>[0] = {}): UpstreamPool {
  const pool = new UpstreamPool({ ...LOOPBACK_TEST_POLICY, ...options });
  pools.push(pool);
  return pool;
}

function spec(id: string): UpstreamSpec {
  return { id, name: id, transport: "streamable-http", url: fixture.url, timeoutMs: 30_000 };
}

describe("connection sharing", () => {
  it("makes one connection for 100 concurrent first calls", async () => {
    const pool = newPool();
    const before = fixture.sessionsOpened;
    const results = await Promise.all(Array.from({ length: 100 }, () => pool.listTools(spec("burst"))));
    expect(results.every((tools) => tools.length >= 5)).toBe(true);
    expect(fixture.sessionsOpened - before).toBe(1);
    expect(pool.stats().connections).toBe(1);
  });

  it("recycles a connection after maxCallsPerConnection, letting in-flight calls finish", async () => {
    const pool = newPool({ maxCallsPerConnection: 5 });
    const before = fixture.sessionsOpened;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => pool.callTool(spec("recycle"), "slow", { ms: 150 })),
    );
    expect(results.map((r) => r.content)).toEqual(Array(12).fill([{ type: "text", text: "slept 150" }]));
    expect(fixture.sessionsOpened - before).toBe(3);
    // Retired connections close once drained; only the current one stays open.
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.stats().connections).toBe(1);
  });
});

describe("idle connections", () => {
  it("closes an idle HTTP session (ending it upstream) and reopens on demand", async () => {
    const pool = newPool({ idleTimeoutMs: 100 });
    const before = fixture.sessionsOpened;
    await pool.listTools(spec("idle-http"));
    expect(pool.stats().connections).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(pool.stats().connections).toBe(0);
    await pool.listTools(spec("idle-http"));
    expect(fixture.sessionsOpened - before).toBe(2);
  });
});

describe("long-lived sessions", () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeEach(() => {
    warnings.length = 0;
    process.on("warning", onWarning);
  });
  afterEach(() => {
    process.off("warning", onWarning);
  });

  async function sequentialCalls(pool: UpstreamPool, target: UpstreamSpec, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const result = await pool.callTool(target, "echo", { message: String(i) });
      if (result.isError) throw new Error(`call ${i} failed`);
    }
  }

  // The SDK transport alone leaks an abort listener per call (see scoped-abort-fetch.ts);
  // scoped-abort-fetch.test.ts proves the wrapper without recycling, this the whole pool.
  it("makes 3,000 sequential calls through one pooled upstream without leaking abort listeners", {
    timeout: 240_000,
  }, async () => {
    const pool = newPool();
    const before = fixture.sessionsOpened;
    await sequentialCalls(pool, spec("sequential"), 3_000);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    // Default recycling: a fresh session every 1,000 calls.
    expect(fixture.sessionsOpened - before).toBe(3);
  });
});
