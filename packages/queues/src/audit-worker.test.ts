import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { JOBS, QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { type Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditAckKey } from "./audit-acks";
import { auditJobKey, signAuditJob } from "./audit-job-mac";
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

  it("refuses forged jobs written straight into the queue and stores the genuine ones", async () => {
    const key = auditJobKey(Buffer.alloc(32, 7));
    const seen: AuditEvent[] = [];
    worker = startAuditWorker({
      redis: { url: REDIS_URL },
      names,
      macKey: key,
      handler: async (e) => void seen.push(...e),
    });
    const genuine = [auditEvent()];
    const forgedEvents = [auditEvent()];
    const wrongKey = auditJobKey(Buffer.alloc(32, 8));
    const jobs = await Promise.all([
      queue.add(JOBS.auditIngest, { events: forgedEvents }),
      queue.add(JOBS.auditIngest, {
        events: forgedEvents,
        mac: signAuditJob(wrongKey, { events: forgedEvents }),
      }),
      // A genuine MAC pasted onto other events.
      queue.add(JOBS.auditIngest, { events: forgedEvents, mac: signAuditJob(key, { events: genuine }) }),
      queue.add(JOBS.auditIngest, { events: genuine, mac: signAuditJob(key, { events: genuine }) }),
    ]);
    const states = await until(async () => {
      const all = await Promise.all(jobs.map((job) => queue.getJobState(job.id!)));
      return all.every((s) => s === "completed" || s === "failed") ? all : undefined;
    });
    expect(states).toEqual(["failed", "failed", "failed", "completed"]);
    expect(seen).toEqual(genuine);
    expect(worker.stats()).toEqual({ refused: 3, stored: 1 });
    const forged = await queue.getJob(jobs[0]!.id!);
    expect(forged?.attemptsMade).toBe(1);
    expect(forged?.failedReason).toMatch(/MAC does not verify/);
  });

  it("stores the jobs in progress together in one store, and acknowledges each to its sink", async () => {
    const stores: AuditEvent[][] = [];
    const jobs: Job[] = [];
    // Queued before the worker starts, so that it takes many at once.
    for (let i = 0; i < 12; i++) {
      jobs.push(await queue.add(JOBS.auditIngest, { events: [auditEvent(), auditEvent()], sink: "1.sinkA" }));
    }
    worker = startAuditWorker({
      redis: { url: REDIS_URL },
      names,
      concurrency: 1,
      handler: async (events) => {
        stores.push(events);
        // Slow enough that the jobs taken meanwhile pile up behind this store.
        await new Promise((r) => setTimeout(r, 50));
      },
    });
    const acked = await until(async () => {
      const ids = await redis.lrange(auditAckKey(names, "1.sinkA"), 0, -1);
      return ids.length === jobs.length ? ids : undefined;
    });
    expect(new Set(acked)).toEqual(new Set(jobs.map((job) => job.id)));
    expect(stores.flat()).toHaveLength(24);
    expect(stores.length).toBeLessThan(jobs.length);
    expect(Math.max(...stores.map((s) => s.length))).toBeGreaterThan(2);
  });

  it("retries the jobs of a failed merged store one by one, so one bad job fails alone", async () => {
    const poison = auditEvent();
    const stored: string[] = [];
    const jobs: Job[] = [];
    for (let i = 0; i < 6; i++) {
      const events = i === 3 ? [poison] : [auditEvent()];
      jobs.push(await queue.add(JOBS.auditIngest, { events }, { attempts: 1 }));
    }
    worker = startAuditWorker({
      redis: { url: REDIS_URL },
      names,
      concurrency: 1,
      handler: async (events) => {
        await new Promise((r) => setTimeout(r, 30));
        if (events.some((e) => e.id === poison.id)) throw new Error("postgres refused it");
        stored.push(...events.map((e) => e.id));
      },
    });
    const states = await until(async () => {
      const all = await Promise.all(jobs.map((job) => queue.getJobState(job.id!)));
      return all.every((s) => s === "completed" || s === "failed") ? all : undefined;
    });
    expect(states.filter((s) => s === "failed")).toHaveLength(1);
    expect(states[3]).toBe("failed");
    expect(stored).toHaveLength(5);
  });
});
