import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { verifyAuditChain } from "@portcullis/control/audit/chain/verify-audit-chain";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditJobKey } from "./audit-job-mac";
import { AuditSink } from "./audit-sink";
import { type AuditWorker, startAuditWorker } from "./audit-worker";

const REDIS_URL = "redis://127.0.0.1:6379";
const names = testRedisNames("chain");
const macKey = auditJobKey(Buffer.alloc(32, 3));
let database: TestDatabase;
let redis: Redis;
let spoolDir: string;
const orgs = [newId("organization"), newId("organization")];

beforeAll(async () => {
  database = await createTestDatabase({ name: "audit_chain_continuity" });
  redis = new Redis(REDIS_URL);
  spoolDir = await mkdtemp(join(tmpdir(), "pc-chain-"));
  for (const id of orgs) await database.db.organization.create({ data: { id, name: id, slug: id } });
});

afterAll(async () => {
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database?.drop();
  await rm(spoolDir, { recursive: true, force: true });
});

function startWorker(): AuditWorker {
  return startAuditWorker({
    redis: { url: REDIS_URL },
    names,
    macKey,
    concurrency: 2,
    jobsAtOnce: 8,
    handler: async (events) => void (await ingestAuditEvents(database.db, events)),
  });
}

function auditEvent(orgId: string | null): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
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
    arguments: { n: Math.random() },
    resultSummary: null,
    isError: false,
    latencyMs: 1.5,
    upstreamLatencyMs: 1,
    upstreamStatus: "ok",
    protocolVersion: "2025-06-18",
    snapshotVersion: 1,
  };
}

describe("audit hash chain under concurrent batches and worker restarts", () => {
  it("stores every event once, each chain gapless and verifying", async () => {
    const workers = [startWorker(), startWorker()];
    const sinks = Array.from(
      { length: 3 },
      () =>
        new AuditSink({
          redis: { url: REDIS_URL },
          names,
          spoolDir,
          macKey,
          batchSize: 40,
          flushIntervalMs: 5,
        }),
    );
    const sent: AuditEvent[] = [];
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 100; i++) {
        const event = auditEvent([orgs[0]!, orgs[1]!, null][i % 3]!);
        sent.push(event);
        sinks[(round + i) % sinks.length]!.record(event);
      }
      // Each worker in turn is stopped mid-stream (its jobs in progress finish) and started again.
      if (round === 10 || round === 20) {
        const index = round === 10 ? 0 : 1;
        await workers[index]!.close();
        workers[index] = startWorker();
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(sinks.map((sink) => sink.flush()));
    const deadline = Date.now() + 30_000;
    while ((await database.db.auditEvent.count()) < sent.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await Promise.all(sinks.map((sink) => sink.close()));
    await Promise.all(workers.map((worker) => worker.close()));

    expect(await database.db.auditEvent.count()).toBe(sent.length);
    for (const orgId of [...orgs, null]) {
      const expected = sent.filter((e) => e.orgId === orgId).length;
      const verification = await verifyAuditChain(database.db, orgId);
      expect(verification).toMatchObject({ ok: true, checked: expected, complete: true });
      const seqs = await database.db.auditEvent.aggregate({
        where: { orgId },
        _min: { chainSeq: true },
        _max: { chainSeq: true },
        _count: { chainSeq: true },
      });
      expect(seqs).toEqual({
        _min: { chainSeq: 1n },
        _max: { chainSeq: BigInt(expected) },
        _count: { chainSeq: expected },
      });
    }
    // Each job's events keep their order in the chain: seq follows the order recorded.
    const stored = await database.db.auditEvent.findMany({
      select: { id: true, chainSeq: true, orgId: true },
    });
    const seqOf = new Map(stored.map((row) => [row.id, row.chainSeq!]));
    const inversions = sent.filter((event, i) => {
      const next = sent.slice(i + 1).find((later) => later.orgId === event.orgId);
      return next !== undefined && seqOf.get(next.id)! < seqOf.get(event.id)!;
    }).length;
    // Batches of different sinks interleave, so some inversions are expected; most are in order.
    expect(inversions).toBeLessThan(sent.length / 2);
  }, 90_000);
});
