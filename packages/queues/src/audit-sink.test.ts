import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
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
import { AuditSink, type AuditSinkOptions } from "./audit-sink";
import { type AuditWorker, startAuditWorker } from "./audit-worker";
import { ownerFileName, spoolFileName } from "./spool-owners";

// A private redis-server (not the shared one) because these tests stop and restart it.
let redisServer: PrivateRedisServer;
let database: TestDatabase;

beforeAll(async () => {
  [redisServer, database] = await Promise.all([
    startRedisServer(),
    createTestDatabase({ name: "audit_sink" }),
  ]);
});

afterAll(async () => {
  await Promise.all([redisServer?.close(), database?.drop()]);
});

let names: RedisNames;
let spoolDir: string;
let worker: AuditWorker;
/** Every batch the worker handed to Postgres, to tell jobs from events. */
let batches: AuditEvent[][];
const sinks: AuditSink[] = [];

beforeEach(async () => {
  names = testRedisNames("sink");
  spoolDir = await mkdtemp(join(tmpdir(), "pc-spool-"));
  batches = [];
  worker = startAuditWorker({
    redis: { url: redisServer.url },
    names,
    handler: async (events) => {
      batches.push(events);
      await ingestAuditEvents(database.db, events);
    },
  });
  await worker.ready();
});

afterEach(async () => {
  // A test that failed half-way may have left Redis stopped.
  await redisServer.start();
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
  await worker.close();
  await rm(spoolDir, { recursive: true, force: true });
});

function newSink(options: Partial<AuditSinkOptions> = {}): AuditSink {
  const sink = new AuditSink({
    redis: { url: redisServer.url },
    names,
    spoolDir,
    replayIntervalMs: 100,
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
    resultSummary: "3 issues",
    isError: false,
    latencyMs: 4,
    upstreamLatencyMs: 3,
    upstreamStatus: "ok",
    protocolVersion: "2025-06-18",
    snapshotVersion: 1,
  };
}

function auditEvents(n: number): AuditEvent[] {
  return Array.from({ length: n }, auditEvent);
}

async function storedCount(events: AuditEvent[]): Promise<number> {
  return database.db.auditEvent.count({ where: { id: { in: events.map((e) => e.id) } } });
}

async function waitUntilStored(events: AuditEvent[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await storedCount(events)) < events.length) {
    if (Date.now() > deadline)
      throw new Error(`only ${await storedCount(events)} of ${events.length} stored`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The sink deletes a replayed file after its last send, so Postgres may have the rows first. */
async function waitUntilSpoolEmpty(timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await spoolFiles()).length > 0) {
    if (Date.now() > deadline) throw new Error(`spool files left: ${(await spoolFiles()).join(", ")}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Events handed to the worker, counted per id: a duplicate send shows up as a 2. */
function deliveries(): Map<string, number> {
  const seen = new Map<string, number>();
  for (const event of batches.flat()) seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
  return seen;
}

async function spoolFiles(): Promise<string[]> {
  return (await readdir(spoolDir)).filter((name) => name.endsWith(".jsonl")).sort();
}

async function spooledIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const name of await spoolFiles()) {
    const text = await readFile(join(spoolDir, name), "utf8");
    for (const line of text.split("\n").filter(Boolean)) ids.push((JSON.parse(line) as AuditEvent).id);
  }
  return ids;
}

/** A pid that certainly belongs to no process any more. */
function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).toString(),
  );
}

/** Leaves a spool file and an owner file as a sink killed mid-write would. */
async function crashedSinkFiles(lines: string[], owner = `${deadPid()}.crashed`): Promise<string> {
  const name = spoolFileName(Date.now() - 60_000, 1, owner);
  await writeFile(join(spoolDir, name), lines.join("\n"));
  await writeFile(
    join(spoolDir, ownerFileName(owner)),
    JSON.stringify({ pid: Number(owner.split(".")[0]), host: hostname() }),
  );
  return name;
}

describe("AuditSink", () => {
  it("delivers every recorded event to Postgres exactly once, many events per job", async () => {
    const sink = newSink({ batchSize: 200 });
    const events = auditEvents(450);

    for (const event of events) sink.record(event);
    await waitUntilStored(events);

    expect(await storedCount(events)).toBe(450);
    // Three jobs; the worker may store jobs in progress together (one store, fewer batches).
    expect(batches.flat()).toHaveLength(450);
    expect(sink.stats()).toMatchObject({ buffered: 0, enqueued: 450, jobs: 3 });
  });

  it("sends a partial batch after flushIntervalMs", async () => {
    const sink = newSink({ flushIntervalMs: 20 });
    const events = auditEvents(3);

    for (const event of events) sink.record(event);
    await waitUntilStored(events);

    expect(batches).toEqual([events]);
  });

  it("spools while Redis is down and delivers everything exactly once when it returns", async () => {
    const sink = newSink();
    const before = auditEvents(20);
    for (const event of before) sink.record(event);
    await waitUntilStored(before);

    await redisServer.stop();
    const during = auditEvents(30);
    for (const event of during.slice(0, 10)) sink.record(event);
    await sink.flush();
    for (const event of during.slice(10)) sink.record(event);
    await sink.flush();

    // On disk, in order, before Redis is back.
    expect(await spooledIds()).toEqual(during.map((e) => e.id));
    expect(sink.stats()).toMatchObject({ buffered: 0, spooled: 30 });
    expect(await storedCount(during)).toBe(0);

    await redisServer.start();
    // Recorded before the replay has caught up: queued behind the spool, not ahead of it.
    const after = auditEvents(5);
    for (const event of after) sink.record(event);
    await waitUntilStored([...before, ...during, ...after]);

    await waitUntilSpoolEmpty();
    const stats = sink.stats();
    expect(stats.enqueued).toBe(55);
    expect(stats.replayed).toBe(stats.spooled);
    expect([...deliveries().values()].every((n) => n === 1)).toBe(true);
    expect(deliveries().size).toBe(55);
  });

  it("leaves everything in the spool on close() with Redis down, for a later sink to deliver", async () => {
    await redisServer.stop();
    // Never connected: each batch waits this long for Redis before it is spooled.
    const first = newSink({ enqueueTimeoutMs: 300 });
    const events = auditEvents(25);
    for (const event of events) first.record(event);

    await first.close();
    const late = auditEvent();
    first.record(late); // after close: still kept

    expect((await spooledIds()).sort()).toEqual([...events, late].map((e) => e.id).sort());
    expect(first.stats()).toMatchObject({ buffered: 0, spooled: 26, enqueued: 0 });

    await redisServer.start();
    const second = newSink();
    await waitUntilStored([...events, late]);

    await waitUntilSpoolEmpty();
    expect(second.stats().replayed).toBe(26);
  });

  it("replays a spool file left by a crashed sink, skipping its torn and corrupt lines into .bad", async () => {
    const events = auditEvents(5);
    const lines = events.map((e) => JSON.stringify(e));
    const torn = JSON.stringify(auditEvent()).slice(0, 40);
    const name = await crashedSinkFiles([
      lines[0]!,
      lines[1]!,
      "not json at all {",
      lines[2]!,
      '{"id":"evt_x","decision":"maybe"}',
      lines[3]!,
      lines[4]!,
      torn, // the write the crash interrupted (no newline)
    ]);

    newSink();
    await waitUntilStored(events);
    await waitUntilSpoolEmpty();

    const remaining = await readdir(spoolDir);
    expect(remaining.filter((n) => !n.startsWith("owner-") && n !== "journal")).toEqual([
      name.replace(/\.jsonl$/, ".bad"),
    ]);
    const bad = await readFile(join(spoolDir, name.replace(/\.jsonl$/, ".bad")), "utf8");
    expect(bad).toBe(`not json at all {\n{"id":"evt_x","decision":"maybe"}\n${torn}\n`);
    expect(deliveries().size).toBe(5);
  });

  it("lets exactly one of two sinks take over a crashed sink's file", async () => {
    const events = auditEvents(40);
    await crashedSinkFiles(events.map((e) => JSON.stringify(e)));

    const a = newSink({ batchSize: 10 });
    const b = newSink({ batchSize: 10 });
    await waitUntilStored(events);
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up

    expect(a.stats().replayed + b.stats().replayed).toBe(40);
    expect([...deliveries().values()].every((n) => n === 1)).toBe(true);
  });

  it("leaves the files of a live sink alone", async () => {
    // Owned by this very (live) process under another sink's name, heartbeat fresh.
    const events = auditEvents(3);
    const name = await crashedSinkFiles(
      events.map((e) => JSON.stringify(e)),
      `${process.pid}.other`,
    );

    const sink = newSink();
    await new Promise((r) => setTimeout(r, 400));

    expect(await spoolFiles()).toEqual([name]);
    expect(sink.stats().replayed).toBe(0);
    expect(await storedCount(events)).toBe(0);
  });

  it("refuses events that break the contract without losing their batch", async () => {
    const sink = newSink();
    const good = auditEvents(3);
    const broken = { ...auditEvent(), decision: "maybe" } as unknown as AuditEvent;
    const unserialisable = { ...auditEvent(), arguments: { n: 10n } };

    expect(() => {
      sink.record(good[0]!);
      sink.record(broken);
      sink.record(good[1]!);
      sink.record(unserialisable);
      sink.record(good[2]!);
    }).not.toThrow();
    await waitUntilStored(good);

    expect(sink.stats().rejected).toBe(2);
    const rejected = (await readdir(spoolDir)).filter((n) => n.startsWith("rejected-"));
    const kept = await readFile(join(spoolDir, rejected[0]!), "utf8");
    expect(kept).toContain(broken.id);
    expect(kept).toContain(unserialisable.id);
  });
});
