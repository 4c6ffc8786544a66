import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { JOBS, QUEUES } from "@portcullis/contracts/jobs";
import { verifyAuditChain } from "@portcullis/control/audit/chain/verify-audit-chain";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAuditRetentionProcessor } from "./audit-retention";

const REDIS_URL = "redis://127.0.0.1:6379";
const DAY = 86_400_000;
let database: TestDatabase;
let redis: Redis;
const prefixes: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ name: "worker_retention" });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const prefix of prefixes) await cleanupRedisPrefix(redis, prefix);
  await redis?.quit();
  await database?.drop();
});

function event(orgId: string, daysAgo: number): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: null,
    agentName: null,
    teamId: null,
    userId: null,
    serverId: null,
    serverName: null,
    toolName: "notes__read",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: null,
    resultSummary: null,
    isError: false,
    latencyMs: 1,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: null,
  };
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function schedulers(prefix: string) {
  const queue = new Queue(QUEUES.auditMaintenance, { connection: { url: REDIS_URL }, prefix });
  return { list: () => queue.getJobSchedulers(), close: () => queue.close() };
}

describe("audit.retention", () => {
  it("runs on its schedule and deletes events older than the period, keeping the chain verifiable", async () => {
    const names = testRedisNames("retention");
    prefixes.push(names.prefix);
    const org = newId("organization");
    await database.db.organization.create({ data: { id: org, name: org, slug: org } });
    const [old, older, recent] = [event(org, 40), event(org, 31), event(org, 29)];
    await ingestAuditEvents(database.db, [old, older]);
    await ingestAuditEvents(database.db, [recent]);

    const processor = startAuditRetentionProcessor({
      db: database.db,
      redisUrl: REDIS_URL,
      names,
      retentionDays: 30,
      logger: pino({ level: "silent" }),
    });
    const queue = schedulers(names.bullPrefix);
    try {
      await processor.ready();
      expect(await queue.list()).toMatchObject([{ key: JOBS.auditRetention, every: 3_600_000 }]);
      // A scheduler with `every` runs its first job at once, then hourly.
      await until(
        async () => (await database.db.auditEvent.count({ where: { orgId: org } })) === 1,
        "retention",
      );
      expect(await database.db.auditEvent.findMany({ where: { orgId: org }, select: { id: true } })).toEqual([
        { id: recent.id },
      ]);
      expect(await verifyAuditChain(database.db, org)).toMatchObject({ ok: true, checked: 1 });
    } finally {
      await processor.close();
    }

    // AUDIT_RETENTION_DAYS=0: the schedule goes, and events stay.
    const disabled = startAuditRetentionProcessor({
      db: database.db,
      redisUrl: REDIS_URL,
      names,
      retentionDays: 0,
      logger: pino({ level: "silent" }),
    });
    try {
      await disabled.ready();
      expect(await queue.list()).toEqual([]);
    } finally {
      await disabled.close();
      await queue.close();
    }
  });
});
