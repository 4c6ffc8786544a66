import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { QUEUES } from "@portcullis/contracts/jobs";
import { AuditSink } from "@portcullis/queues/audit-sink";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type OtlpReceiver, startOtlpReceiver } from "@portcullis/testkit/otlp-receiver";
import { freePort } from "@portcullis/testkit/ports";
import { sampleValue, scrapeMetrics } from "@portcullis/testkit/prometheus";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The worker as production runs it: the esbuild output of `pnpm build`, under plain node,
// with its metrics and probe port (WORKER_METRICS_PORT).
const ROOT = resolve(import.meta.dirname, "../../..");
const DIST = join(ROOT, "apps/worker/dist/main.js");
const REDIS_URL = "redis://127.0.0.1:6379";

function auditEvent(occurredAt: Date): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId: null,
    occurredAt: occurredAt.toISOString(),
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

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the compiled worker (apps/worker/dist/main.js)", () => {
  let database: TestDatabase;
  let redis: Redis;
  const names = testRedisNames("worker-dist");
  let spoolDir: string;
  let child: ChildProcess;
  let port: number;
  let receiver: OtlpReceiver;
  const logs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const build = spawnSync(process.execPath, ["../../scripts/build-app.mjs"], {
      cwd: join(ROOT, "apps/worker"),
      encoding: "utf8",
    });
    expect(build.status, build.stderr).toBe(0);
    database = await createTestDatabase({ name: "worker_dist" });
    redis = new Redis(REDIS_URL);
    spoolDir = await mkdtemp(join(tmpdir(), "pc-worker-dist-"));
    port = await freePort();
    receiver = await startOtlpReceiver();
    child = spawn(process.execPath, [DIST], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        DATABASE_URL: database.url,
        REDIS_URL,
        REDIS_PREFIX: names.prefix,
        PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
        WORKER_METRICS_PORT: String(port),
        LOG_LEVEL: "info",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: "50",
      },
    });
    let pending = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) if (line.trim()) logs.push(JSON.parse(line));
    });
    child.stderr!.resume();
    await until(() => logs.some((l) => l.msg === "worker started"), "the worker to start");
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await cleanupRedisPrefix(redis, names.prefix);
    await redis?.quit();
    await database?.drop();
    await receiver?.close();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });

  it("answers its probes", async () => {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("counts stored events, redeliveries, ingest lag and queue depth", async () => {
    const sink = new AuditSink({ redis: { url: REDIS_URL }, names, spoolDir });
    // Events the gateway received a minute ago (a backlog): the lag says so.
    const events = [1, 2, 3].map(() => auditEvent(new Date(Date.now() - 60_000)));
    for (const event of events) sink.record(event);
    await sink.flush();
    const ids = events.map((e) => e.id);
    await until(
      async () => (await database.db.auditEvent.count({ where: { id: { in: ids } } })) === 3,
      "the events to reach Postgres",
    );
    // The same events again (a replayed spool): stored once, counted as duplicates.
    for (const event of events) sink.record(event);
    await sink.close();

    const url = `http://127.0.0.1:${port}/metrics`;
    await until(
      async () =>
        sampleValue(await scrapeMetrics(url), "portcullis_worker_audit_events_duplicate_total") === 3,
      "the redelivered batch to be counted",
    );
    const s = await scrapeMetrics(url);
    expect(sampleValue(s, "portcullis_worker_audit_events_ingested_total")).toBe(3);
    expect(sampleValue(s, "portcullis_worker_audit_ingest_lag_seconds_count")).toBe(6);
    // All six observations are at least a minute late.
    expect(sampleValue(s, "portcullis_worker_audit_ingest_lag_seconds_bucket", { le: "30" })).toBe(0);
    expect(sampleValue(s, "portcullis_worker_audit_batch_duration_seconds_count")).toBe(2);
    expect(sampleValue(s, "portcullis_worker_audit_queue_jobs", { state: "waiting" })).toBe(0);
    expect(sampleValue(s, "portcullis_worker_audit_queue_jobs", { state: "failed" })).toBe(0);
    expect(s.some((x) => x.name === "process_resident_memory_bytes")).toBe(true);
  });

  it("reports the jobs waiting in the audit queue, and their drain", async () => {
    const queue = new Queue(QUEUES.audit, { connection: { url: REDIS_URL }, prefix: names.bullPrefix });
    const url = `http://127.0.0.1:${port}/metrics`;
    const waiting = async () => {
      const s = await scrapeMetrics(url);
      const of = (state: string) => sampleValue(s, "portcullis_worker_audit_queue_jobs", { state }) ?? 0;
      return of("waiting") + of("paused");
    };
    try {
      await queue.pause(); // every worker stops taking jobs: the next batch waits
      const sink = new AuditSink({ redis: { url: REDIS_URL }, names, spoolDir });
      sink.record(auditEvent(new Date()));
      await sink.close();
      await until(async () => (await waiting()) === 1, "the batch to show as waiting");
      await queue.resume();
      await until(async () => (await waiting()) === 0, "the queue to drain");
      await until(
        async () =>
          sampleValue(await scrapeMetrics(url), "portcullis_worker_audit_events_ingested_total") === 4,
        "the fourth event to be stored",
      );
    } finally {
      await queue.close();
    }
  });

  it("traces each audit.ingest batch as a consumer span (OTEL_* variables only)", async () => {
    const spans = await receiver.waitFor(
      (all) => all.filter((s) => s.name === "audit.ingest process").length >= 3,
    );
    const batches = spans.filter((s) => s.name === "audit.ingest process");
    expect(new Set(batches.map((s) => s.service))).toEqual(new Set(["portcullis-worker"]));
    expect(batches.every((s) => s.kind === 5)).toBe(true); // CONSUMER
    expect(batches[0]!.attributes).toMatchObject({
      "messaging.system": "bullmq",
      "messaging.destination.name": "audit",
      "messaging.batch.message_count": 3,
      "portcullis.audit.inserted": 3,
    });
    // The first batch was a minute old; the redelivered one stored nothing new.
    expect(Number(batches[0]!.attributes["portcullis.audit.lag_ms"])).toBeGreaterThanOrEqual(60_000);
    expect(batches[1]!.attributes["portcullis.audit.inserted"]).toBe(0);
  });

  it("exits 0 on SIGTERM", async () => {
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(0);
    expect(logs.map((l) => l.msg)).toContain("worker stopped");
  });
});
