import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerCount } from "./cluster/workers";
import { TEST_SECRET_KEY } from "./testing/gateway-harness";
import { REPO_ROOT } from "./testing/gateway-process";
import { SnapshotBuilder } from "./testing/snapshot-builder";

// GATEWAY_WORKERS=2: one primary supervising two gateway processes on one port. Whatever
// process a connection lands on, the snapshot and the rate-limit counters are the shared ones,
// and a worker that dies is replaced while the other keeps serving.

/** One tools/call on a connection of its own (so node:cluster may hand it to either worker). */
function callOnNewConnection(
  url: string,
  key: string,
  id: number,
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "alpha__echo", arguments: { message: `m${id}` } },
  });
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent: false,
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-11-25",
          authorization: `Bearer ${key}`,
          connection: "close",
        },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => {
          text += String(d);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: "close" } }, (res) => {
      let text = "";
      res.on("data", (d) => {
        text += String(d);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The sum of a metric's samples whose labels include `label` (Prometheus text format). */
function sampleSum(exposition: string, name: string, label: string): number {
  return exposition
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

function listeningPids(output: string): number[] {
  return output
    .split("\n")
    .filter((l) => l.includes('"gateway listening"'))
    .map((l) => (JSON.parse(l) as { pid: number }).pid);
}

/** The cluster as an OS process: its primary, and everything it and its workers logged. */
interface ClusterProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

function spawnCluster(env: Record<string, string>): ClusterProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "apps/gateway/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", GATEWAY_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  return {
    child,
    output: () => output,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.kill("SIGTERM");
      return exited;
    },
  };
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("GATEWAY_WORKERS", () => {
  it("reads auto as one process per core and refuses nonsense", () => {
    expect(workerCount("auto", 8)).toBe(8);
    expect(workerCount("3")).toBe(3);
    expect(() => workerCount("0")).toThrow(/positive integer/);
  });

  describe("two worker processes", () => {
    const names = testRedisNames("cluster");
    const redis = new Redis({ maxRetriesPerRequest: 1 });
    let upstream: FixtureServer;
    let gateway: ClusterProcess;
    let url = "";
    let spoolDir: string;
    let key = "";
    /** An agent without the rate limit, for the observability checks. */
    let plainKey = "";
    let metricsPort = 0;

    beforeAll(async () => {
      upstream = await startLegacyHttpServer({ jsonResponse: true });
      const b = new SnapshotBuilder(TEST_SECRET_KEY);
      const alpha = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
      b.addTools(alpha, await pool.listTools(b.upstreamSpecForTest(alpha)));
      await pool.close();
      const agent = b.agent("cluster-bot", "platform");
      b.grant({ team: "platform" }, alpha, "echo");
      b.policy(
        "rate_limit",
        { limits: [{ per: "agent", window: "minute", max: 3 }] },
        { agents: [agent.id] },
      );
      key = b.key(agent).key;
      plainKey = b.key(b.agent("metrics-bot", "platform")).key;
      await writeSnapshotToRedis(redis, names, 1, JSON.stringify(b.build(1)), TEST_SECRET_KEY);
      spoolDir = await mkdtemp(join(tmpdir(), "pc-cluster-spool-"));
      gateway = spawnCluster({
        REDIS_URL: "redis://127.0.0.1:6379",
        REDIS_PREFIX: names.prefix,
        PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1",
        PORTCULLIS_SECRET_KEY: "gateway-tests-secret-key-0123456789abcdef",
        GATEWAY_SPOOL_DIR: spoolDir,
        GATEWAY_WORKERS: "2",
        GATEWAY_METRICS_PORT: "0",
        LOG_LEVEL: "info",
      });
      // Each worker loads the gateway on its own: slow on a busy machine, hence the long wait.
      await until(
        () => new Set(listeningPids(gateway.output())).size === 2,
        "both workers to listen",
        100_000,
      );
      const line = gateway
        .output()
        .split("\n")
        .find((l) => l.includes('"gateway listening"'));
      url = (JSON.parse(line!) as { url: string }).url;
      const metricsLine = gateway
        .output()
        .split("\n")
        .find((l) => l.includes('"gateway cluster metrics listening"'));
      metricsPort = (JSON.parse(metricsLine!) as { metricsPort: number }).metricsPort;
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
      await upstream?.close();
      await cleanupRedisPrefix(redis, names.prefix);
      redis.disconnect();
      await rm(spoolDir, { recursive: true, force: true });
    });

    it("reports every worker's calls in one /metrics, and /readyz for all workers", async () => {
      // New connections: node:cluster spreads them over both workers.
      for (let i = 1; i <= 6; i++) {
        const answer = await callOnNewConnection(url, plainKey, 100 + i);
        expect(answer.body).toContain(`echo: m${100 + i}`);
      }
      const scrape = await getOnNewConnection(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scrape.status).toBe(200);
      expect(sampleSum(scrape.body, "portcullis_gateway_requests_total", 'method="tools/call"')).toBe(6);
      expect(sampleSum(scrape.body, "portcullis_gateway_workers", 'state="serving"')).toBe(2);
      expect(sampleSum(scrape.body, "portcullis_gateway_workers", 'state="reporting"')).toBe(2);
      // The agents' port does not serve the scrape when it has a port of its own.
      expect((await getOnNewConnection(url.replace("/mcp", "/metrics"))).status).toBe(404);

      for (let i = 0; i < 4; i++) {
        const ready = await getOnNewConnection(url.replace("/mcp", "/readyz"));
        expect(ready.status).toBe(200);
        const body = JSON.parse(ready.body) as { snapshotVersion: number; workers: { ready: boolean }[] };
        expect(body.snapshotVersion).toBe(1);
        expect(body.workers.map((w) => w.ready)).toEqual([true, true]);
      }
    }, 60_000);

    it("shares rate limits across processes and replaces a dead one", async () => {
      const answers = [];
      for (let i = 1; i <= 6; i++) answers.push(await callOnNewConnection(url, key, i));
      const ok = answers.filter((a) => a.body.includes('"echo: m'));
      const limited = answers.filter((a) => a.body.includes("RATE_LIMITED"));
      // One counter for the installation: three calls pass, whichever process served them.
      expect([ok.length, limited.length]).toEqual([3, 3]);

      const [first] = listeningPids(gateway.output());
      process.kill(first!, "SIGKILL");
      await until(() => new Set(listeningPids(gateway.output())).size === 3, "a replacement worker", 100_000);
      expect(gateway.output()).toContain("gateway worker exited; starting a new one");
      const after = await callOnNewConnection(url, key, 7);
      expect(after.body).toContain("RATE_LIMITED");
    }, 150_000);

    it("stops every worker on SIGTERM and exits 0", async () => {
      const pids = [...new Set(listeningPids(gateway.output()))];
      expect(await gateway.stop()).toBe(0);
      const alive = pids.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(alive).toEqual([]);
    }, 20_000);
  });
  describe("without GATEWAY_METRICS_PORT", () => {
    const names = testRedisNames("cluster-port");
    const redis = new Redis({ maxRetriesPerRequest: 1 });
    let upstream: FixtureServer;
    let gateway: ClusterProcess;
    let url = "";
    let spoolDir: string;
    let key = "";

    beforeAll(async () => {
      upstream = await startLegacyHttpServer({ jsonResponse: true });
      const b = new SnapshotBuilder(TEST_SECRET_KEY);
      const alpha = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
      b.addTools(alpha, await pool.listTools(b.upstreamSpecForTest(alpha)));
      await pool.close();
      b.grant({ team: "platform" }, alpha, "echo");
      key = b.key(b.agent("port-bot", "platform")).key;
      await writeSnapshotToRedis(redis, names, 1, JSON.stringify(b.build(1)), TEST_SECRET_KEY);
      spoolDir = await mkdtemp(join(tmpdir(), "pc-cluster-spool-"));
      gateway = spawnCluster({
        REDIS_URL: "redis://127.0.0.1:6379",
        REDIS_PREFIX: names.prefix,
        PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1",
        PORTCULLIS_SECRET_KEY: "gateway-tests-secret-key-0123456789abcdef",
        GATEWAY_SPOOL_DIR: spoolDir,
        GATEWAY_WORKERS: "2",
        LOG_LEVEL: "info",
      });
      await until(
        () => new Set(listeningPids(gateway.output())).size === 2,
        "both workers to listen",
        100_000,
      );
      const line = gateway
        .output()
        .split("\n")
        .find((l) => l.includes('"gateway listening"'));
      url = (JSON.parse(line!) as { url: string }).url;
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
      await upstream?.close();
      await cleanupRedisPrefix(redis, names.prefix);
      redis.disconnect();
      await rm(spoolDir, { recursive: true, force: true });
    });

    it("serves the whole gateway's /metrics on the agents' port, whichever worker answers", async () => {
      for (let i = 1; i <= 4; i++) {
        const answer = await callOnNewConnection(url, key, 200 + i);
        expect(answer.body).toContain(`echo: m${200 + i}`);
      }
      // Each scrape lands on either worker; each must count all four calls.
      for (let i = 0; i < 4; i++) {
        const scrape = await getOnNewConnection(url.replace("/mcp", "/metrics"));
        expect(scrape.status).toBe(200);
        expect(sampleSum(scrape.body, "portcullis_gateway_requests_total", 'method="tools/call"')).toBe(4);
        expect(sampleSum(scrape.body, "portcullis_gateway_workers", 'state="reporting"')).toBe(2);
      }
    }, 60_000);
  });
});
