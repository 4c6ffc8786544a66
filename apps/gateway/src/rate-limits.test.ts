import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { configFile } from "@portcullis/contracts/config-file";
import type { SnapshotAgent } from "@portcullis/contracts/snapshot";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { type PrivateRedisServer, startRedisServer } from "@portcullis/testkit/redis-server";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "./start-gateway";
import { connectLegacyClient, connectModernClient, type TestClient } from "./testing/clients";
import {
  type GatewayHarness,
  startGatewayHarness,
  startTestGateway,
  TEST_SECRET_KEY,
  waitForVersion,
} from "./testing/gateway-harness";
import type { SnapshotBuilder } from "./testing/snapshot-builder";

const RATE_LIMITED = -32029;
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/** A write tool (not read-only, not destructive) besides the fixture's read and destructive ones. */
const writeTool = {
  "update-record": {
    description: "Pretends to update a record.",
    inputSchema: {},
    annotations: { readOnlyHint: false, destructiveHint: false },
    handler: () => ({ content: [{ type: "text", text: "updated" }] }),
  },
};

interface RpcFailure {
  code: number;
  message: string;
  data: { code: string; policy: string; retryAfterMs: number; unchecked?: boolean; limit: { text: string } };
}

/** Resolves to the JSON-RPC error a call fails with (or throws if it succeeds). */
async function failure(call: Promise<unknown>): Promise<RpcFailure> {
  try {
    await call;
  } catch (err) {
    return err as RpcFailure;
  }
  throw new Error("expected the call to be refused");
}

async function setUpServer(b: SnapshotBuilder, upstream: FixtureServer) {
  const server = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
  await pool.close();
  return server;
}

/** An agent with a key and an allow grant on every tool of the server. */
function agentWithKey(
  b: SnapshotBuilder,
  server: ReturnType<SnapshotBuilder["server"]>,
  name: string,
  team: string,
): { agent: SnapshotAgent; key: string } {
  const agent = b.agent(name, team);
  b.grant({ agent }, server, "*");
  return { agent, key: b.key(agent).key };
}

/**
 * A second gateway as its own OS process (`tsx apps/gateway/src/main.ts`) on the same
 * Redis and key prefix: a real second replica with its own connections and clock.
 */
async function spawnGateway(env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", MAIN], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      LOG_LEVEL: "info",
      GATEWAY_PORT: "0",
      // The fixture upstreams listen on loopback, which the SSRF guard refuses unless allowlisted.
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out: string | null = "";
    const timer = setTimeout(() => reject(new Error(`second gateway did not start: ${stderr}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`second gateway exited with ${code}: ${stderr}`)));
    // Keep draining stdout after startup so the child never blocks on a full pipe.
    child.stdout?.on("data", (d) => {
      if (out === null) return;
      out += String(d);
      const complete = out.split("\n").slice(0, -1);
      const line = complete.find((l) => l.includes('"gateway listening"'));
      if (!line) return;
      out = null;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return {
    url,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function eventsOf(events: AuditEvent[], agent: SnapshotAgent): AuditEvent[] {
  return events.filter((e) => e.agentId === agent.id && e.method === "tools/call");
}

describe("rate limits against the shared Redis", () => {
  let upstream: FixtureServer;
  let h: GatewayHarness;
  let second: Awaited<ReturnType<typeof spawnGateway>>;
  let spoolDir: string;
  const keys: Record<string, string> = {};
  const agents: Record<string, SnapshotAgent> = {};
  const upstreamCalls: Array<{ name: string; args: Record<string, unknown> }> = [];

  beforeAll(async () => {
    upstream = await startLegacyHttpServer({
      tools: writeTool,
      jsonResponse: true,
      onCall: (name, args) => upstreamCalls.push({ name, args }),
    });
    h = await startGatewayHarness({
      configure: async (b) => {
        const server = await setUpServer(b, upstream);
        const add = (name: string, team: string) => {
          const made = agentWithKey(b, server, name, team);
          agents[name] = made.agent;
          keys[name] = made.key;
        };
        for (const [name, team] of [
          ["burst", "burst"],
          ["quota", "quota"],
          ["iso-a", "iso"],
          ["iso-b", "iso"],
          ["shared-a", "shared"],
          ["shared-b", "shared"],
          ["risky", "risky"],
          ["quick", "quick"],
          ["free", "free"],
        ] as const)
          add(name, team);
        const policy = (name: string, config: Record<string, unknown>, scope: Record<string, string[]>) => {
          const p = b.policy("rate_limit", config, scope);
          p.name = name;
        };
        policy(
          "ci-per-agent",
          { limits: [{ per: "agent", window: "minute", max: 10 }] },
          { agents: [agents.burst!.id] },
        );
        policy(
          "daily",
          { limits: [{ per: "agent", window: "day", max: 3 }] },
          { agents: [agents.quota!.id] },
        );
        policy("iso", { limits: [{ per: "agent", window: "minute", max: 2 }] }, { teams: [b.team("iso")] });
        policy(
          "team-pool",
          { limits: [{ per: "team", window: "minute", max: 3 }] },
          { teams: [b.team("shared")] },
        );
        policy(
          "careful",
          {
            limits: [
              { per: "agent", window: "minute", max: 5 },
              { per: "agent", window: "minute", max: 1, appliesToRisk: ["write", "destructive"] },
            ],
          },
          { agents: [agents.risky!.id] },
        );
        policy(
          "per-second",
          { limits: [{ per: "agent", window: "second", max: 2 }] },
          { agents: [agents.quick!.id] },
        );
      },
    });
    spoolDir = await mkdtemp(join(tmpdir(), "pc-rl-spool-"));
    second = await spawnGateway({
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_PREFIX: h.names.prefix,
      // The key the harness signs its snapshots with (TEST_SECRET_KEY).
      PORTCULLIS_SECRET_KEY: "gateway-tests-secret-key-0123456789abcdef",
      GATEWAY_SPOOL_DIR: spoolDir,
      GATEWAY_SHUTDOWN_GRACE_MS: "2000",
    });
  }, 60_000);

  afterAll(async () => {
    await second?.stop();
    await h?.close();
    await upstream?.close();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  it("lets exactly `max` calls through when many race across two gateway processes", async () => {
    const clients = await Promise.all([
      connectModernClient(h.gateway.url, keys.burst),
      connectModernClient(second.url, keys.burst),
      connectLegacyClient(h.gateway.url, keys.burst),
      connectLegacyClient(second.url, keys.burst),
    ]);
    const tagged = (i: number) => `burst-${i}`;
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        clients[i % clients.length]!.callTool("alpha__echo", { message: tagged(i) }),
      ),
    );
    await Promise.all(clients.map((c) => c.close()));

    const events = await h.waitForEvents((e) => eventsOf(e, agents.burst!).length >= 40, 10_000);
    const mine = eventsOf(events, agents.burst!);
    // Every check was answered: none passed because Redis seemed unreachable.
    expect(mine.filter((e) => e.reason !== null && e.decision === "allowed")).toEqual([]);
    const passed = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as RpcFailure] : []));
    expect(passed).toHaveLength(10);
    expect(refused).toHaveLength(30);
    for (const err of refused) {
      expect(err.code).toBe(RATE_LIMITED);
      expect(err.message).toMatch(
        /rate limit 'ci-per-agent' exceeded: 10 calls per minute per agent; retry in \d+ s/,
      );
      expect(err.data).toMatchObject({ code: "RATE_LIMITED", policy: "ci-per-agent" });
      expect(err.data.retryAfterMs).toBeGreaterThan(30_000);
      expect(err.data.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
    // Refused calls never reached the upstream.
    expect(upstreamCalls.filter((c) => String(c.args.message).startsWith("burst-"))).toHaveLength(10);
    expect(mine.filter((e) => e.decision === "allowed")).toHaveLength(10);
    const denied = mine.filter((e) => e.decision === "denied");
    expect(denied).toHaveLength(30);
    expect(denied[0]).toMatchObject({
      errorCode: RATE_LIMITED,
      reason: expect.stringContaining("ci-per-agent"),
    });
  });

  it("enforces a daily quota and says to come back after 00:00 UTC", async () => {
    const client = await connectModernClient(second.url, keys.quota);
    for (let i = 0; i < 3; i++) await client.callTool("alpha__add", { a: i, b: 1 });
    const err = await failure(client.callTool("alpha__add", { a: 9, b: 9 }));
    await client.close();
    expect(err.message).toMatch(/rate limit 'daily' exceeded: 3 calls per day per agent; retry in /);
    const msToMidnight = 86_400_000 - (Date.now() % 86_400_000);
    expect(Math.abs(err.data.retryAfterMs - msToMidnight)).toBeLessThan(5_000);
  });

  it("keeps per-agent budgets apart, and shares a per-team budget across the team", async () => {
    const [isoA, isoB, sharedA, sharedB] = await Promise.all(
      [keys["iso-a"], keys["iso-b"], keys["shared-a"], keys["shared-b"]].map((k) =>
        connectModernClient(h.gateway.url, k),
      ),
    );
    const echo = (c: TestClient) => c.callTool("alpha__echo", { message: "x" });
    await echo(isoA!);
    await echo(isoA!);
    expect((await failure(echo(isoA!))).code).toBe(RATE_LIMITED);
    // Same policy, same team: agent B's budget is its own.
    await echo(isoB!);
    await echo(isoB!);
    expect((await failure(echo(isoB!))).code).toBe(RATE_LIMITED);

    await echo(sharedA!);
    await echo(sharedA!);
    await echo(sharedB!);
    const err = await failure(echo(sharedB!));
    expect(err.message).toMatch(/rate limit 'team-pool' exceeded: 3 calls per minute per team/);
    // A team the policy does not cover has no limit at all.
    const free = await connectModernClient(h.gateway.url, keys.free);
    for (let i = 0; i < 12; i++) await echo(free);
    await Promise.all([isoA, isoB, sharedA, sharedB, free].map((c) => c!.close()));
  });

  it("applies the stricter limit to write and destructive tools without spending the general budget", async () => {
    const client = await connectModernClient(second.url, keys.risky);
    await client.callTool("alpha__delete-everything", { confirm: false });
    const err = await failure(client.callTool("alpha__update-record", {}));
    expect(err.message).toMatch(
      /rate limit 'careful' exceeded: 1 write or destructive call per minute per agent; retry in/,
    );
    expect(err.data.limit).toMatchObject({ per: "agent", window: "minute", max: 1 });
    // 1 destructive call + 4 reads = the general 5 per minute; the refused write consumed nothing.
    for (let i = 0; i < 4; i++) await client.callTool("alpha__echo", { message: `r${i}` });
    const general = await failure(client.callTool("alpha__echo", { message: "r5" }));
    expect(general.message).toMatch(/rate limit 'careful' exceeded: 5 calls per minute per agent/);
    await client.close();
  });

  it("tells the caller when to retry, and the call passes at that time", async () => {
    const client = await connectLegacyClient(h.gateway.url, keys.quick);
    // Concurrent, so all three land within one second however loaded the machine is.
    const results = await Promise.allSettled(
      ["q1", "q2", "q3"].map((message) => client.callTool("alpha__echo", { message })),
    );
    const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason as RpcFailure] : []));
    expect(refused).toHaveLength(1);
    const err = refused[0]!;
    expect(err.message).toMatch(/2 calls per second per agent; retry in [01]\.\d s/);
    expect(err.data.retryAfterMs).toBeGreaterThan(0);
    expect(err.data.retryAfterMs).toBeLessThanOrEqual(1_000);
    await new Promise((r) => setTimeout(r, err.data.retryAfterMs + 5));
    await expect(client.callTool("alpha__echo", { message: "q4" })).resolves.toMatchObject({
      content: [{ type: "text", text: "echo: q4" }],
    });
    await client.close();
  });
});

describe("when the rate-limit store is unreachable", () => {
  let redisServer: PrivateRedisServer;
  let upstream: FixtureServer;
  let h: GatewayHarness;
  const keys: Record<string, string> = {};
  const agents: Record<string, SnapshotAgent> = {};

  beforeAll(async () => {
    redisServer = await startRedisServer();
    upstream = await startLegacyHttpServer({ jsonResponse: true });
    h = await startGatewayHarness({
      redisUrl: redisServer.url,
      configure: async (b) => {
        const server = await setUpServer(b, upstream);
        for (const name of ["open-bot", "closed-bot", "unlimited"]) {
          const made = agentWithKey(b, server, name, "platform");
          agents[name] = made.agent;
          keys[name] = made.key;
        }
        const open = b.policy(
          "rate_limit",
          { onRedisDown: "open", limits: [{ per: "agent", window: "minute", max: 100 }] },
          { agents: [agents["open-bot"]!.id] },
        );
        open.name = "lenient";
        const closed = b.policy(
          "rate_limit",
          { onRedisDown: "closed", limits: [{ per: "agent", window: "minute", max: 2 }] },
          { agents: [agents["closed-bot"]!.id] },
        );
        closed.name = "strict";
      },
    });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await upstream?.close();
    await redisServer?.close();
  });

  it("fails open or closed per policy, audits what it decided, and limits again once Redis is back", async () => {
    const open = await connectModernClient(h.gateway.url, keys["open-bot"]);
    const closed = await connectModernClient(h.gateway.url, keys["closed-bot"]);
    const unlimited = await connectModernClient(h.gateway.url, keys.unlimited);
    await closed.callTool("alpha__echo", { message: "before" });

    await redisServer.stop();
    await expect(open.callTool("alpha__echo", { message: "open-during" })).resolves.toMatchObject({
      content: [{ type: "text", text: "echo: open-during" }],
    });
    const started = performance.now();
    const err = await failure(closed.callTool("alpha__echo", { message: "closed-during" }));
    expect(performance.now() - started).toBeLessThan(1_000); // fails fast, no hanging on Redis
    expect(err.code).toBe(RATE_LIMITED);
    expect(err.message).toBe(
      "rate limit 'strict' could not be checked (rate-limit store unreachable) and fails closed: call refused; retry in 1.0 s",
    );
    expect(err.data).toMatchObject({ policy: "strict", unchecked: true, retryAfterMs: 1_000 });
    // A call no policy covers does not depend on Redis at all.
    await unlimited.callTool("alpha__echo", { message: "unlimited-during" });

    await redisServer.start();
    // The server came back empty, without the cached script: checks go EVALSHA → NOSCRIPT → EVAL.
    let back = false;
    for (let i = 0; i < 100 && !back; i++) {
      back = await closed.callTool("alpha__echo", { message: `after-${i}` }).then(
        () => true,
        () => new Promise<boolean>((r) => setTimeout(() => r(false), 100)),
      );
    }
    expect(back).toBe(true);
    // Counters start afresh on the empty server: one more passes, then the limit holds.
    await closed.callTool("alpha__echo", { message: "after-2" });
    const limited = await failure(closed.callTool("alpha__echo", { message: "after-3" }));
    expect(limited.message).toMatch(/rate limit 'strict' exceeded: 2 calls per minute per agent/);

    const arg = (e: AuditEvent) => (e.arguments as { message?: string } | null)?.message;
    const events = await h.waitForEvents(
      (e) => ["open-during", "closed-during", "unlimited-during"].every((m) => e.some((x) => arg(x) === m)),
      20_000,
    );
    const find = (m: string) => events.find((e) => arg(e) === m)!;
    expect(find("open-during")).toMatchObject({
      decision: "allowed",
      upstreamStatus: "ok",
      reason: "rate limit 'lenient' not checked (rate-limit store unreachable): fails open, call allowed",
    });
    expect(find("closed-during")).toMatchObject({
      decision: "denied",
      errorCode: RATE_LIMITED,
      upstreamStatus: "not_called:rate_limit_unchecked",
      reason: expect.stringContaining("could not be checked (rate-limit store unreachable) and fails closed"),
    });
    expect(find("unlimited-during")).toMatchObject({ decision: "allowed", reason: null });
    await Promise.all([open, closed, unlimited].map((c) => c.close()));
  });
});

describe("a rate_limit policy applied from portcullis.yaml", () => {
  const names = testRedisNames("rl-apply");
  const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
  const actor = { type: "cli" as const, name: "rate-limit-test" };
  let database: TestDatabase;
  let upstream: FixtureServer;
  let gateway: RunningGateway;
  let spoolDir: string;
  let key = "";

  beforeAll(async () => {
    [database, upstream] = await Promise.all([
      createTestDatabase({ name: "rate_limits" }),
      startLegacyHttpServer({ jsonResponse: true }),
    ]);
    const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
    const file = configFile.parse({
      servers: [{ name: "alpha", transport: "streamable-http", url: upstream.url }],
      teams: [{ name: "platform" }],
      agents: [{ name: "ci-bot", team: "platform" }],
      grants: [{ team: "platform", server: "alpha", tools: ["*"] }],
      policies: [
        {
          name: "no-mass-deletes",
          kind: "rate_limit",
          scope: { teams: ["platform"], tools: ["alpha__delete-everything"] },
          config: { onRedisDown: "closed", limits: [{ per: "agent", window: "hour", max: 2 }] },
        },
      ],
    });
    await applyAndPublish({ db: database.db, redis, names, pool, secretKey: TEST_SECRET_KEY }, file, {
      actor,
      env: {},
    });
    await pool.close();
    key = (await createApiKey(database.db, { agentName: "ci-bot", actor })).key;
    const { version } = await publishSnapshot(database.db, redis, names, {
      secretKey: TEST_SECRET_KEY,
      createdBy: "test",
    });
    spoolDir = await mkdtemp(join(tmpdir(), "pc-rl-apply-"));
    gateway = await startTestGateway({
      names,
      spoolDir,
    });
    await waitForVersion(gateway, version);
  }, 120_000);

  afterAll(async () => {
    await gateway?.close(2_000);
    await upstream?.close();
    await cleanupRedisPrefix(redis, names.prefix);
    redis.disconnect();
    await database?.drop();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  it("limits the tool it names, by team and tool names from the file, and nothing else", async () => {
    const client = await connectModernClient(gateway.url, key);
    await client.callTool("alpha__delete-everything", { confirm: false });
    await client.callTool("alpha__delete-everything", { confirm: false });
    const err = await failure(client.callTool("alpha__delete-everything", { confirm: false }));
    expect(err.message).toMatch(
      /rate limit 'no-mass-deletes' exceeded: 2 calls per hour per agent; retry in \d+ min/,
    );
    for (let i = 0; i < 4; i++) await client.callTool("alpha__echo", { message: `e${i}` });
    await client.close();
  });
});
