import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { sampleValue, scrapeMetrics } from "@portcullis/testkit/prometheus";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModernClient } from "./testing/clients";
import { type GatewayProcess, REPO_ROOT, spawnGatewayProcess } from "./testing/gateway-process";
import { SnapshotBuilder } from "./testing/snapshot-builder";

// Production runs the esbuild output (`pnpm build`), not the tsx loader: this builds it
// and serves real calls from it, with nothing but `node` on the command line.
const SECRET = "compiled-build-tests-secret-key-0123456789";
const DIST = join(REPO_ROOT, "apps/gateway/dist/main.js");

describe("the compiled gateway (apps/gateway/dist/main.js)", () => {
  const names = testRedisNames("gwdist");
  const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
  let upstream: FixtureServer;
  let gateway: GatewayProcess;
  let spoolDir: string;
  let key: string;
  let metricsPort: number;

  beforeAll(async () => {
    const build = spawnSync(process.execPath, ["../../scripts/build-app.mjs"], {
      cwd: join(REPO_ROOT, "apps/gateway"),
      encoding: "utf8",
    });
    expect(build.status, build.stderr).toBe(0);
    upstream = await startLegacyHttpServer({ jsonResponse: true });
    const b = new SnapshotBuilder(secretKeyFrom(SECRET));
    const server = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
    const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
    b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
    await pool.close();
    const agent = b.agent("dist-agent", "platform");
    b.grant({ agent }, server, "*");
    key = b.key(agent).key;
    await writeSnapshotToRedis(redis, names, 1, JSON.stringify(b.build(1)), secretKeyFrom(SECRET));
    spoolDir = await mkdtemp(join(tmpdir(), "pc-gwdist-spool-"));
    metricsPort = await freePort();
    gateway = await spawnGatewayProcess(["--enable-source-maps", DIST], {
      REDIS_PREFIX: names.prefix,
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
      PORTCULLIS_SECRET_KEY: SECRET,
      GATEWAY_SPOOL_DIR: spoolDir,
      GATEWAY_METRICS_PORT: String(metricsPort),
      LOG_LEVEL: "info",
    });
  });

  afterAll(async () => {
    const code = await gateway?.stop();
    expect(code).toBe(0);
    await upstream?.close();
    await cleanupRedisPrefix(redis, names.prefix);
    redis.disconnect();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  it("is one self-contained file beside its source map", () => {
    expect(existsSync(DIST)).toBe(true);
    expect(existsSync(`${DIST}.map`)).toBe(true);
  });

  it("answers /healthz and /readyz with the loaded snapshot", async () => {
    const base = new URL(gateway.url).origin;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", snapshotVersion: 1 });
  });

  it("serves tools/list and tools/call through the whole pipeline", async () => {
    const client = await connectModernClient(gateway.url, key);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("alpha__echo");
      const result = await client.callTool("alpha__echo", { message: "from dist" });
      expect(JSON.stringify(result.content)).toContain("from dist");
    } finally {
      await client.close();
    }
    const s = await scrapeMetrics(`http://127.0.0.1:${metricsPort}/metrics`);
    const labels = { method: "tools/call", server: "alpha", tool: "echo", decision: "allowed" };
    expect(sampleValue(s, "portcullis_gateway_requests_total", labels)).toBe(1);
    expect(s.some((x) => x.name === "nodejs_heap_size_used_bytes")).toBe(true);
  });
});
