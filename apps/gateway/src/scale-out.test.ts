import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { configFile } from "@portcullis/contracts/config-file";
import { newId } from "@portcullis/contracts/ids";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { revokeApiKey } from "@portcullis/control/agents/revoke-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { decideApproval } from "@portcullis/control/approvals/decide-approval";
import { listApprovals } from "@portcullis/control/approvals/list-approvals";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_SECRET_KEY } from "./testing/gateway-harness";
import { type GatewayProcess, REPO_ROOT, spawnGatewayProcess } from "./testing/gateway-process";

// Two gateways and two workers as OS processes on one Redis and one Postgres, behind a
// round-robin "load balancer" that takes a gateway out of rotation before it is stopped
// (what a readiness probe and preStop do in Kubernetes). Under a steady load, each process
// is restarted in turn; no request may fail and every request's audit event must be stored
// exactly once.
const SECRET = "gateway-tests-secret-key-0123456789abcdef";
const REDIS_URL = "redis://127.0.0.1:6379";
const CONCURRENCY = 4;

function spawnWorker(env: Record<string, string>): { child: ChildProcess; stop(): Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "ignore"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  return {
    child,
    stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      return exited;
    },
  };
}

describe("two gateways and two workers on one Redis and Postgres", () => {
  const names = testRedisNames("scale");
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const actor = { type: "cli" as const, name: "scale-out-test" };
  let database: TestDatabase;
  let upstream: FixtureServer;
  let key = "";
  const keys: Record<string, string> = {};
  let orgId = "";
  let approverId = "";
  const spoolDirs: string[] = [];
  const gateways: GatewayProcess[] = [];
  const workers: Array<ReturnType<typeof spawnWorker>> = [];
  let gatewayEnv: (spoolDir: string) => Record<string, string>;
  let workerEnv: Record<string, string>;

  beforeAll(async () => {
    [database, upstream] = await Promise.all([
      createTestDatabase({ name: "scale_out" }),
      startLegacyHttpServer({ jsonResponse: true }),
    ]);
    const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
    const file = configFile.parse({
      servers: [{ name: "alpha", transport: "streamable-http", url: upstream.url }],
      teams: [{ name: "platform" }],
      agents: [
        { name: "load-bot", team: "platform" },
        { name: "approve-bot", team: "platform" },
        { name: "limited-bot", team: "platform" },
        { name: "revoked-bot", team: "platform" },
      ],
      grants: [
        { team: "platform", server: "alpha", tools: ["echo"], effect: "allow" },
        {
          agent: "approve-bot",
          server: "alpha",
          tools: ["delete-everything"],
          effect: "approve",
          approvalTimeoutSec: 120,
        },
      ],
      policies: [
        {
          name: "limited",
          kind: "rate_limit",
          scope: { agents: ["limited-bot"] },
          config: { limits: [{ per: "agent", window: "minute", max: 10 }] },
        },
      ],
    });
    await applyAndPublish({ db: database.db, redis, names, pool, secretKey: TEST_SECRET_KEY }, file, {
      actor,
      env: {},
    });
    await pool.close();
    key = (await createApiKey(database.db, { agentName: "load-bot", actor })).key;
    for (const agent of ["approve-bot", "limited-bot", "revoked-bot"]) {
      keys[agent] = (await createApiKey(database.db, { agentName: agent, actor })).key;
    }
    // A person who may decide the platform team's approvals.
    const team = await database.db.team.findFirstOrThrow({ where: { name: "platform" } });
    orgId = team.orgId;
    approverId = newId("user");
    await database.db.user.create({
      data: { id: approverId, email: "approver@example.com", name: "approver" },
    });
    await database.db.membership.create({
      data: { id: newId("membership"), orgId, userId: approverId, role: "approver" },
    });
    await database.db.teamMember.create({
      data: { id: newId("teamMember"), teamId: team.id, userId: approverId },
    });
    await publishSnapshot(database.db, redis, names, { secretKey: TEST_SECRET_KEY, createdBy: "test" });
    gatewayEnv = (spoolDir) => ({
      REDIS_URL,
      REDIS_PREFIX: names.prefix,
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
      PORTCULLIS_SECRET_KEY: SECRET,
      GATEWAY_SPOOL_DIR: spoolDir,
      GATEWAY_SHUTDOWN_GRACE_MS: "10000",
      LOG_LEVEL: "info",
    });
    workerEnv = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: names.prefix,
      // The gateways' key: the workers verify every audit job's MAC.
      PORTCULLIS_SECRET_KEY: SECRET,
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
    };
    for (let i = 0; i < 2; i++) spoolDirs.push(await mkdtemp(join(tmpdir(), `pc-scale-${i}-`)));
    gateways.push(
      ...(await Promise.all(
        spoolDirs.map((dir) =>
          spawnGatewayProcess(["--import", "tsx", "apps/gateway/src/main.ts"], gatewayEnv(dir)),
        ),
      )),
    );
    workers.push(spawnWorker(workerEnv), spawnWorker(workerEnv));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...gateways.map((g) => g.stop()), ...workers.map((w) => w.stop())]);
    await upstream?.close();
    await cleanupRedisPrefix(redis, names.prefix);
    redis.disconnect();
    await database?.drop();
    for (const dir of spoolDirs) await rm(dir, { recursive: true, force: true });
  });

  /** One tools/call as a plain JSON request: status and body text. */
  async function rpc(gateway: number, bearer: string, name: string, args: Record<string, unknown>) {
    const res = await fetch(gateways[gateway]!.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${bearer}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name, arguments: args },
      }),
    });
    return { status: res.status, text: await res.text() };
  }

  it("an approval asked through one gateway is decided and released while the other serves the next calls", async () => {
    const client = new Client({ name: "approve-bot-client", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gateways[0]!.url), {
        requestInit: { headers: { Authorization: `Bearer ${keys["approve-bot"]}` } },
      }),
    );
    const held = client.callTool(
      { name: "alpha__delete-everything", arguments: { confirm: true } },
      { onprogress: () => {}, resetTimeoutOnProgress: true },
    ) as Promise<{ content?: Array<{ text?: string }>; isError?: boolean }>;
    held.catch(() => {});
    // The worker (a process of its own) persists the request.
    let approvalId: string | undefined;
    for (const deadline = Date.now() + 15_000; !approvalId && Date.now() < deadline; ) {
      const page = await listApprovals(database.db, { orgId, status: "pending" });
      approvalId = page.items.find((a) => a.agent?.name === "approve-bot")?.id;
      if (!approvalId) await new Promise((r) => setTimeout(r, 50));
    }
    expect(approvalId).toBeDefined();
    // Meanwhile the same agent's next calls are served by the other gateway.
    for (let i = 0; i < 5; i++) {
      const next = await rpc(1, keys["approve-bot"]!, "alpha__echo", { message: `meanwhile-${i}` });
      expect(next.text).toContain(`echo: meanwhile-${i}`);
    }
    await decideApproval(database.db, redis, names, {
      secretKey: TEST_SECRET_KEY,
      orgId,
      approvalId: approvalId!,
      decision: "approve",
      deciderId: approverId,
      via: "user",
    });
    const result = await held;
    expect(result.isError ?? false).toBe(false);
    expect(JSON.stringify(result.content)).toMatch(/delet/i);
    await client.close();
  }, 60_000);

  it("keeps a rate limit exact across both gateways", async () => {
    // 30 calls at once, alternating gateways: the limit allows 10 a minute for this agent.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        rpc(i % 2, keys["limited-bot"]!, "alpha__echo", { message: `rl-${i}` }),
      ),
    );
    const passed = results.filter((r) => /echo: rl-\d+/.test(r.text));
    expect(passed).toHaveLength(10);
    expect(results.filter((r) => /rate limit/i.test(r.text))).toHaveLength(20);
  }, 30_000);

  it("a revoked key is refused by both gateways within a second", async () => {
    for (const gateway of [0, 1]) {
      expect((await rpc(gateway, keys["revoked-bot"]!, "alpha__echo", { message: "before" })).text).toContain(
        "echo: before",
      );
    }
    await revokeApiKey(database.db, { keyIdOrPrefix: keys["revoked-bot"]!, actor });
    const published = Date.now();
    await publishSnapshot(database.db, redis, names, { secretKey: TEST_SECRET_KEY, createdBy: "test" });
    const refusedAfter = await Promise.all(
      [0, 1].map(async (gateway) => {
        for (;;) {
          const res = await rpc(gateway, keys["revoked-bot"]!, "alpha__echo", { message: "after" });
          if (res.status === 401) return Date.now() - published;
          if (Date.now() - published > 5_000) return Number.POSITIVE_INFINITY;
          await new Promise((r) => setTimeout(r, 20));
        }
      }),
    );
    expect(Math.max(...refusedAfter)).toBeLessThan(1_000);
  }, 30_000);

  it("a rolling restart of both gateways and a worker under load fails no request and loses no audit event", async () => {
    // The load balancer's rotation: indexes of gateways that take traffic.
    const rotation = new Set([0, 1]);
    let next = 0;
    let running = true;
    const requestIds: string[] = [];
    const failures: string[] = [];
    let sent = 0;
    const servedBy = [0, 0];
    const inFlight = [0, 0];

    async function agent(): Promise<void> {
      while (running) {
        const members = [...rotation];
        const index = members[next++ % members.length]!;
        const n = sent++;
        inFlight[index]!++;
        try {
          const res = await fetch(gateways[index]!.url, {
            method: "POST",
            headers: {
              authorization: `Bearer ${key}`,
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              "mcp-protocol-version": "2025-11-25",
            },
            body: JSON.stringify({
              jsonrpc: "2.0",
              id: n,
              method: "tools/call",
              params: { name: "alpha__echo", arguments: { message: `load-${n}` } },
            }),
          });
          const text = await res.text();
          if (res.status !== 200 || !text.includes(`echo: load-${n}`))
            failures.push(`${res.status} ${text.slice(0, 200)}`);
          else {
            requestIds.push(res.headers.get("x-request-id")!);
            servedBy[index]!++;
          }
        } catch (err) {
          failures.push(String(err));
        } finally {
          inFlight[index]!--;
        }
      }
    }

    const load = Promise.all(Array.from({ length: CONCURRENCY }, agent));
    const settle = () => new Promise((r) => setTimeout(r, 1_000));
    await settle();
    for (const index of [0, 1]) {
      rotation.delete(index); // out of the load balancer first (readiness, preStop)…
      while (inFlight[index]! > 0) await new Promise((r) => setTimeout(r, 10)); // …its requests answered
      const old = gateways[index]!;
      const code = await old.stop(20_000);
      expect(code, old.output().slice(-3000)).toBe(0);
      gateways[index] = await spawnGatewayProcess(
        ["--import", "tsx", "apps/gateway/src/main.ts"],
        gatewayEnv(spoolDirs[index]!),
      );
      rotation.add(index);
      await settle();
    }
    // A worker stopped mid-load and started again: the other keeps ingesting meanwhile.
    expect(await workers[0]!.stop()).toBe(0);
    await settle();
    workers[0] = spawnWorker(workerEnv);
    await settle();
    running = false;
    await load;

    expect(failures.length, failures.slice(0, 3).join("\n")).toBe(0);
    expect(servedBy.every((n) => n > 0)).toBe(true);
    const deadline = Date.now() + 60_000;
    let stored: Array<{ requestId: string }> = [];
    while (Date.now() < deadline) {
      stored = await database.db.auditEvent.findMany({
        where: { method: "tools/call", agentName: "load-bot" },
        select: { requestId: true },
      });
      if (stored.length >= requestIds.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    process.stdout.write(
      `scale-out: ${requestIds.length} calls (${servedBy.join(" + ")} per gateway), ${stored.length} audit events stored\n`,
    );
    // Exactly one stored event per answered request: none lost, none duplicated.
    expect(stored.map((s) => s.requestId).sort()).toEqual([...requestIds].sort());
  }, 180_000);
});
