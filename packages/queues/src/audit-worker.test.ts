import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { JOBS, QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AuditWorker, startAuditWorker } from "./audit-worker";

const REDIS_URL = "redis://127.0.0.1:6379";

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
    arguments: { text: "hi" },
    resultSummary: null,
    isError: false,
    latencyMs: 1,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: null,
  };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("startAuditWorker", () => {
  let redis: Redis;
  let names: RedisNames;
  let queue: Queue;
  let worker: AuditWorker | undefined;

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    names = testRedisNames("worker");
    queue = new Queue(QUEUES.audit, { connection: { url: REDIS_URL }, prefix: names.bullPrefix });
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await queue.close();
    await cleanupRedisPrefix(redis, names.prefix);
  });

  it("hands each batch to the handler", async () => {
    const seen: AuditEvent[][] = [];
    worker = startAuditWorker({
      redis: { url: REDIS_URL },
      names,
      handler: async (events) => void seen.push(events),
    });
    const events = [auditEvent(), auditEvent()];
    await queue.add(JOBS.auditIngest, { events });
    await until(async () => (seen.length > 0 ? true : undefined));
    expect(seen).toEqual([events]);
  });

  it("retries a batch whose handler failed", async () => {
    let calls = 0;
    worker = startAuditWorker({
      redis: { url: REDIS_URL },
      names,
      handler: async () => {
        calls += 1;
        if (calls === 1) throw new Error("postgres is down");
      },
    });
    const job = await queue.add(
      JOBS.auditIngest,
      { events: [auditEvent()] },
      { attempts: 3, backoff: { type: "fixed", delay: 10 } },
    );
    const state = await until(async () => {
      const s = await queue.getJobState(job.id!);
      return s === "completed" || s === "failed" ? s : undefined;
    });
    expect(state).toBe("completed");
    expect(calls).toBe(2);
  });

  it("keeps the valid events of an invalid payload and fails the job without retrying", async () => {
    const seen: AuditEvent[] = [];
    worker = startAuditWorker({
      redis: { url: REDIS_URL },
      names,
      handler: async (e) => void seen.push(...e),
    });
    const good = auditEvent();
    const job = await queue.add(
      JOBS.auditIngest,
      { events: [good, { id: "evt_broken", decision: "maybe" }] },
      { attempts: 5, backoff: { type: "fixed", delay: 10 } },
    );
    await until(async () => ((await queue.getJobState(job.id!)) === "failed" ? true : undefined));
    const failed = await queue.getJob(job.id!);
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/invalid audit payload: 1 of 2/);
    expect(seen).toEqual([good]);
  });
});
