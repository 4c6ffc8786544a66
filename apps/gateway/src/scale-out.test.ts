import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFile } from "@portcullis/contracts/config-file";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
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
      agents: [{ name: "load-bot", team: "platform" }],
      grants: [{ team: "platform", server: "alpha", tools: ["echo"], effect: "allow" }],
    });
    await applyAndPublish({ db: database.db, redis, names, pool, secretKey: TEST_SECRET_KEY }, file, {
      actor,
      env: {},
    });
    await pool.close();
    key = (await createApiKey(database.db, { agentName: "load-bot", actor })).key;
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
