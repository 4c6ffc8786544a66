import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createRedisClient } from "@portcullis/queues/redis-config";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { testRedisNames } from "@portcullis/testkit/redis";
import { startTlsRedisServer, type TlsRedisServer } from "@portcullis/testkit/tls-redis-server";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModernClient } from "./testing/clients";
import { type GatewayProcess, REPO_ROOT, spawnGatewayProcess } from "./testing/gateway-process";
import { SnapshotBuilder } from "./testing/snapshot-builder";

// #10 point 3: every process reaches a Redis that requires TLS and an ACL user. A private
// redis-server (TLS only, `default` user off) with a throwaway certificate; the gateway and
// the worker run as their own processes and are configured only through the environment.
const SECRET = "redis-tls-acl-tests-secret-key-0123456789";

describe("gateway and worker over rediss:// with an ACL user", () => {
  const names = testRedisNames("tls");
  let server: TlsRedisServer;
  let admin: Redis;
  let database: TestDatabase;
  let upstream: FixtureServer;
  let gateway: GatewayProcess | undefined;
  let worker: ChildProcess | undefined;
  let spoolDir: string;
  let key: string;

  beforeAll(async () => {
    server = await startTlsRedisServer();
    admin = createRedisClient({ url: server.url, tlsCaFile: server.caFile }, { maxRetriesPerRequest: 1 });
    database = await createTestDatabase({ name: "redis_tls" });
    upstream = await startLegacyHttpServer();
    spoolDir = await mkdtemp(join(tmpdir(), "pc-tls-spool-"));
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once("exit", r));
      worker.kill("SIGTERM");
      await exited;
    }
    admin?.disconnect();
    await server?.close();
    await upstream?.close();
    await database?.drop();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  it("refuses clients without the user's password or without trusting the certificate", async () => {
    const plain = createRedisClient(`rediss://127.0.0.1:${server.port}`, {
      tls: { ca: undefined },
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    plain.on("error", () => undefined);
    // Without trusting the self-signed certificate, the TLS handshake fails.
    await expect(plain.ping()).rejects.toThrow();
    plain.disconnect();
    const anonymous = createRedisClient(
      { url: `rediss://127.0.0.1:${server.port}`, tlsCaFile: server.caFile },
      { maxRetriesPerRequest: 0, retryStrategy: () => null },
    );
    anonymous.on("error", () => undefined);
    await expect(anonymous.ping()).rejects.toThrow(/NOAUTH|WRONGPASS|closed/i);
    anonymous.disconnect();
    expect(await admin.ping()).toBe("PONG");
  });

  it("serves a call whose audit event the worker stores, both over TLS as the ACL user", async () => {
    const b = new SnapshotBuilder(secretKeyFrom(SECRET));
    const alpha = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
    const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
    b.addTools(alpha, await pool.listTools(b.upstreamSpecForTest(alpha)));
    await pool.close();
    const agent = b.agent("tls-bot", "platform");
    b.grant({ agent }, alpha, "echo");
    key = b.key(agent).key;
    await writeSnapshotToRedis(admin, names, 1, JSON.stringify(b.build(1)), secretKeyFrom(SECRET));

    // The gateway takes the credentials from the URL, the worker from REDIS_USERNAME/PASSWORD.
    gateway = await spawnGatewayProcess(["--import", "tsx", "apps/gateway/src/main.ts"], {
      REDIS_URL: server.url,
      REDIS_TLS_CA_FILE: server.caFile,
      REDIS_PREFIX: names.prefix,
      PORTCULLIS_SECRET_KEY: SECRET,
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
      GATEWAY_SPOOL_DIR: spoolDir,
    });
    worker = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: database.url,
        REDIS_URL: `rediss://127.0.0.1:${server.port}`,
        REDIS_USERNAME: server.user,
        REDIS_PASSWORD: server.password,
        REDIS_TLS_CA_FILE: server.caFile,
        REDIS_PREFIX: names.prefix,
        PORTCULLIS_SECRET_KEY: SECRET,
        LOG_LEVEL: "warn",
      },
      stdio: "ignore",
    });

    const client = await connectModernClient(gateway.url, key);
    try {
      const result = await client.callTool("alpha__echo", { message: "over tls" });
      expect(JSON.stringify(result.content)).toContain("over tls");
    } finally {
      await client.close();
    }
    const deadline = Date.now() + 60_000;
    let stored = 0;
    while (stored === 0 && Date.now() < deadline) {
      stored = await database.db.auditEvent.count({ where: { method: "tools/call", toolName: "echo" } });
      if (stored === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(stored).toBe(1);
    expect(await gateway.stop()).toBe(0);
  }, 120_000);
});
