import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { testRedisNames } from "@portcullis/testkit/redis";
import { type PrivateRedisServer, startRedisServer } from "@portcullis/testkit/redis-server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditJobKey } from "./audit-job-mac";
import { AuditSink } from "./audit-sink";
import { type AuditWorker, startAuditWorker } from "./audit-worker";
import { ownerFileName } from "./spool-owners";

// A private redis-server without persistence: restarting it loses every queued job.
let redisServer: PrivateRedisServer;
let database: TestDatabase;
let names: RedisNames;
let spoolDir: string;
let worker: AuditWorker | undefined;
/** Events the worker handed to Postgres, by id: a resend shows up as a 2. */
let deliveries: Map<string, number>;
const sinks: AuditSink[] = [];
const macKey = auditJobKey(Buffer.alloc(32, 1));

beforeAll(async () => {
  [redisServer, database] = await Promise.all([
    startRedisServer(),
    createTestDatabase({ name: "audit_journal" }),
  ]);
});

afterAll(async () => {
  await Promise.all([redisServer?.close(), database?.drop()]);
});

beforeEach(async () => {
  names = testRedisNames("journal");
  spoolDir = await mkdtemp(join(tmpdir(), "pc-journal-"));
  deliveries = new Map();
});

afterEach(async () => {
  await redisServer.start();
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
  await worker?.close();
  worker = undefined;
  await rm(spoolDir, { recursive: true, force: true });
});

function startWorker(): AuditWorker {
  worker = startAuditWorker({
    redis: { url: redisServer.url },
    names,
    macKey,
    handler: async (events) => {
      for (const e of events) deliveries.set(e.id, (deliveries.get(e.id) ?? 0) + 1);
      await ingestAuditEvents(database.db, events);
    },
  });
  return worker;
}

function newSink(options: { ackTimeoutMs?: number } = {}): AuditSink {
  const sink = new AuditSink({
    redis: { url: redisServer.url },
    names,
    spoolDir,
    macKey,
    replayIntervalMs: 100,
    ackTimeoutMs: 500,
    closeAckWaitMs: 3_000,
    ...options,
  });
  sinks.push(sink);
  return sink;
}

function auditEvent(): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId: null,
    occurredAt: new Date().toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_1",
    agentName: "ci-bot",
    teamId: null,
    userId: null,
    serverId: "srv_1",
    serverName: "github",
    toolName: "github__list_issues",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { repo: "acme/api" },
    resultSummary: null,
    isError: false,
    latencyMs: 4,
    upstreamLatencyMs: 3,
    upstreamStatus: "ok",
    protocolVersion: "2025-06-18",
    snapshotVersion: 1,
  };
}

async function storedCount(events: AuditEvent[]): Promise<number> {
  return database.db.auditEvent.count({ where: { id: { in: events.map((e) => e.id) } } });
}

async function until(
  probe: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("AuditSink journal", () => {
  it("stores every queued event exactly once after Redis restarts empty", async () => {
    const sink = newSink();
    const events = Array.from({ length: 300 }, auditEvent);
    for (const event of events) sink.record(event);
    await sink.flush();
    // No worker yet: every batch waits in Redis, and in the journal.
    expect(sink.stats()).toMatchObject({ enqueued: 300, unacked: 300, spooled: 0 });

    await redisServer.stop();
    await redisServer.start(); // empty: the queue is gone
    startWorker();

    await until(async () => (await storedCount(events)) === 300, "all events stored");
    await until(() => sink.stats().unacked === 0, "every batch acknowledged");
    // Sent again from the journal (more than once if the worker was slow to acknowledge:
    // harmless, each event is stored once).
    expect(sink.stats().resent).toBeGreaterThanOrEqual(300);
    expect(deliveries.size).toBe(300);
    await sink.close();
    expect(await readdir(join(spoolDir, "journal"))).toEqual([]);
  });

  it("forgets acknowledged batches and resends nothing while the worker keeps up", async () => {
    startWorker();
    // A worker that keeps up acknowledges well within this, even on a busy machine.
    const sink = newSink({ ackTimeoutMs: 5_000 });
    const events = Array.from({ length: 120 }, auditEvent);
    for (const event of events) sink.record(event);
    await until(async () => (await storedCount(events)) === 120, "all events stored");
    await until(() => sink.stats().unacked === 0, "every batch acknowledged");
    await new Promise((r) => setTimeout(r, 300)); // a few more ticks of the sink
    expect(sink.stats().resent).toBe(0);
  });

  it("sends again the journal of a gateway that crashed before its batches were stored", async () => {
    const events = Array.from({ length: 50 }, auditEvent);
    const owner = `${deadPid()}.crashed`;
    const journalDir = join(spoolDir, "journal");
    const segment = `journal-${String(Date.now() - 60_000).padStart(13, "0")}-000001-${owner}.journal`;
    await mkdir(journalDir, { recursive: true });
    await writeFile(
      join(journalDir, segment),
      `${JSON.stringify({ id: "b-1", events: events.slice(0, 30) })}\n${JSON.stringify({ id: "b-2", events: events.slice(30) })}\n{"id":"b-3","ev`,
    );
    await writeFile(
      join(spoolDir, ownerFileName(owner)),
      JSON.stringify({ pid: Number(owner.split(".")[0]), host: hostname() }),
    );

    startWorker();
    const sink = newSink();
    await until(async () => (await storedCount(events)) === 50, "the crashed gateway's events stored");
    await until(
      async () => !(await readdir(journalDir)).includes(segment) && sink.stats().unacked === 0,
      "segment gone",
    );
    expect(deliveries.size).toBe(50);
  });
});

/** A pid that certainly belongs to no process any more. */
function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).toString(),
  );
}
