import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { JOBS, QUEUES } from "@portcullis/contracts/jobs";
import { auditJobKey, signAuditJob } from "@portcullis/queues/audit-job-mac";
import { AuditSink } from "@portcullis/queues/audit-sink";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const MAIN = join(ROOT, "apps/worker/src/main.ts");
const REDIS_URL = "redis://127.0.0.1:6379";

interface Spawned {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

function spawnWorker(env: Record<string, string>): Spawned {
  // Only what the worker needs: no DATABASE_URL leaking in from the test's environment.
  // Node with tsx's loader, not the tsx CLI: the CLI relays SIGTERM through a parent process
  // that SIGKILLs the child when it does not confirm within 30 ms (exit 143 on a busy machine).
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  children.push(child);
  const logs: Array<Record<string, unknown>> = [];
  let pending = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line));
  });
  child.stderr!.resume();
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  return { child, logs, exited };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function auditEvent(): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId: null,
    occurredAt: new Date().toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: null,
    agentName: null,
    teamId: null,
    userId: null,
    serverId: null,
    serverName: null,
    toolName: "echo",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { text: "hello" },
    resultSummary: "hello",
    isError: false,
    latencyMs: 2,
    upstreamLatencyMs: 1,
    upstreamStatus: "ok",
    protocolVersion: null,
    snapshotVersion: null,
  };
}

describe("apps/worker", () => {
  let database: TestDatabase;
  let redis: Redis;
  const names = testRedisNames("worker-app");
  let spoolDir: string;

  beforeAll(async () => {
    database = await createTestDatabase({ name: "worker_app" });
    redis = new Redis(REDIS_URL);
    spoolDir = await mkdtemp(join(tmpdir(), "pc-worker-app-"));
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    await cleanupRedisPrefix(redis, names.prefix);
    await redis.quit();
    await database?.drop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  it("stores what an AuditSink enqueues and exits 0 on SIGTERM", async () => {
    const worker = spawnWorker({
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: names.prefix,
      LOG_LEVEL: "info",
    });
    await until(() => worker.logs.some((l) => l.msg === "worker started"), "the worker to start");

    const sink = new AuditSink({ redis: { url: REDIS_URL }, names, spoolDir });
    const events = [auditEvent(), auditEvent(), auditEvent()];
    for (const event of events) sink.record(event);
    await sink.close();
    const ids = events.map((e) => e.id);
    await until(
      async () => (await database.db.auditEvent.count({ where: { id: { in: ids } } })) === 3,
      "the events to reach Postgres",
    );

    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(worker.logs.map((l) => l.msg)).toContain("worker stopped");
    expect(worker.logs.filter((l) => Number(l.level) >= 50)).toEqual([]);
  }, 120_000);

  it("with PORTCULLIS_SECRET_KEY, refuses audit jobs forged in Redis and stores the gateways' signed ones", async () => {
    const secret = "worker-app-test-secret-0123456789abcdef";
    const forgedNames = testRedisNames("worker-app-mac");
    const worker = spawnWorker({
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: forgedNames.prefix,
      PORTCULLIS_SECRET_KEY: secret,
      WORKER_METRICS_PORT: "0",
      LOG_LEVEL: "info",
    });
    await until(() => worker.logs.some((l) => l.msg === "worker started"), "the worker to start");
    const queue = new Queue(QUEUES.audit, { connection: { url: REDIS_URL }, prefix: forgedNames.bullPrefix });
    try {
      // Written straight into BullMQ: no MAC, and a MAC under another key.
      const forged = [auditEvent(), auditEvent()];
      await queue.add(JOBS.auditIngest, { events: [forged[0]] });
      const otherKey = auditJobKey(secretKeyFrom("someone-else-secret-0123456789abcdef"));
      await queue.add(JOBS.auditIngest, {
        events: [forged[1]],
        mac: signAuditJob(otherKey, { events: [forged[1]] }),
      });
      // A gateway's sink signs with the installation's key.
      const sink = new AuditSink({
        redis: { url: REDIS_URL },
        names: forgedNames,
        spoolDir: join(spoolDir, "signed"),
        macKey: auditJobKey(secretKeyFrom(secret)),
      });
      const genuine = [auditEvent(), auditEvent()];
      for (const event of genuine) sink.record(event);
      await sink.close();
      await until(
        async () =>
          (await database.db.auditEvent.count({ where: { id: { in: genuine.map((e) => e.id) } } })) === 2,
        "the signed events to reach Postgres",
      );
      await until(
        () => worker.logs.filter((l) => l.msg === "forged audit job refused").length === 2,
        "both forged jobs to be refused",
      );
      expect(await database.db.auditEvent.count({ where: { id: { in: forged.map((e) => e.id) } } })).toBe(0);
      expect((await queue.getJobCounts("failed")).failed).toBe(2);
      const port = worker.logs.find((l) => l.msg === "worker started")?.metricsPort;
      const exposition = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(exposition).toMatch(/^portcullis_worker_audit_jobs_refused_total 2$/m);
    } finally {
      await queue.close();
      worker.child.kill("SIGTERM");
      await worker.exited;
      await cleanupRedisPrefix(redis, forgedNames.prefix);
    }
  }, 120_000);
});
