import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAuditCheckpointProcessor } from "./audit-checkpoint";

const REDIS_URL = "redis://127.0.0.1:6379";
let database: TestDatabase;
let redis: Redis;
const names = testRedisNames("worker-checkpoint");

beforeAll(async () => {
  database = await createTestDatabase({ name: "worker_checkpoint" });
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await cleanupRedisPrefix(redis, names.prefix);
  await redis?.quit();
  await database?.drop();
});

function event(orgId: string): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date().toISOString(),
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

describe("audit.checkpoint (a BullMQ job scheduler)", () => {
  it("runs on its schedule, completes with a JSON result and signs each chain's head", async () => {
    const org = newId("organization");
    await database.db.organization.create({ data: { id: org, name: org, slug: org } });
    await ingestAuditEvents(database.db, [event(org), event(org)]);
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
    const processor = startAuditCheckpointProcessor({
      db: database.db,
      redisUrl: REDIS_URL,
      names,
      secretKey: Buffer.alloc(32, 5),
      everyMs: 1_000,
      logger,
    });
    try {
      await processor.ready();
      const deadline = Date.now() + 20_000;
      while (
        (await database.db.auditCheckpoint.count({ where: { orgId: org } })) < 4 &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      // Two runs at least: each checkpoints the org's audit and admin chains.
      const checkpoints = await database.db.auditCheckpoint.findMany({
        where: { orgId: org, chain: "audit" },
      });
      expect(checkpoints.length).toBeGreaterThanOrEqual(2);
      expect(checkpoints.every((c) => c.verifiedOk && c.headSeq === 2n && c.mac.length > 20)).toBe(true);
      expect(logs.some((l) => l.msg === "audit chains verified and checkpointed")).toBe(true);
      expect(logs.filter((l) => l.msg === "audit checkpoint failed")).toEqual([]);
    } finally {
      await processor.close();
    }
  }, 40_000);
});
