import {
  CATALOG_SYNC_PROGRESS,
  type CatalogSyncJobResult,
  type CatalogSyncPayload,
  type ConnectionTestPayload,
  type ConnectionTestResult,
  catalogSyncPayload,
  connectionTestPayload,
  connectionTestResult,
  JOBS,
  QUEUES,
} from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createRedisClient, type RedisConfig } from "./redis-config";

export type CatalogSyncState = "waiting" | "active" | "completed" | "failed";

export interface CatalogSyncStatus {
  state: CatalogSyncState;
  /** 0-100, at the milestones of CATALOG_SYNC_PROGRESS. */
  progress: number;
  /** The milestone reached: connecting, listing, storing, publishing (null before the first). */
  step: keyof typeof CATALOG_SYNC_PROGRESS | null;
  result: CatalogSyncJobResult | null;
  error: string | null;
  serverId: string;
}

/**
 * Job options. A person is watching the progress bar: one attempt, and the failure
 * reason shown as it is, rather than silent retries. Finished jobs are kept an hour so
 * a status lookup after the bar reached 100 still finds the result.
 */
const JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { age: 3_600 },
  removeOnFail: { age: 86_400 },
} as const;

/** The console side of `catalog.sync`: enqueue a sync and look up how it is going. */
export class CatalogSyncQueue {
  private readonly queue: Queue<CatalogSyncPayload | ConnectionTestPayload>;
  private readonly connection: Redis;

  constructor(options: { redis: RedisConfig; names: RedisNames }) {
    // Enqueueing must fail fast when Redis is down (the admin gets an error, not a hang).
    this.connection = createRedisClient(options.redis, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    this.connection.on("error", () => {});
    this.queue = new Queue<CatalogSyncPayload | ConnectionTestPayload>(QUEUES.catalog, {
      connection: this.connection,
      prefix: options.names.bullPrefix,
    });
    this.queue.on("error", () => {});
    // BullMQ probes Redis once at start; without an offline queue that probe rejects when the
    // connection is not up yet. Enqueueing reports Redis errors itself: the probe's must not
    // surface as an unhandled rejection.
    this.queue.waitUntilReady().catch(() => {});
  }

  /**
   * Enqueues a sync of one server. While a sync of that server is waiting or running, the
   * same job is returned instead of a second one (double clicks, two admins).
   * @returns the BullMQ job id to poll with `status`.
   */
  async enqueue(payload: CatalogSyncPayload): Promise<{ jobId: string }> {
    const data = catalogSyncPayload.parse(payload);
    const job = await this.queue.add(JOBS.catalogSync, data, {
      ...JOB_OPTIONS,
      deduplication: { id: `server:${data.serverId}` },
    });
    if (job.id === undefined) throw new Error("BullMQ returned a job without id");
    return { jobId: job.id };
  }

  /**
   * The state of a sync job, or null when it does not exist, expired, or belongs to
   * another organization (so a job id leaks nothing across tenants).
   */
  async status(jobId: string, orgId: string): Promise<CatalogSyncStatus | null> {
    const job = await Job.fromId<CatalogSyncPayload, CatalogSyncJobResult>(this.queue, jobId);
    if (!job || job.name !== JOBS.catalogSync || job.data?.orgId !== orgId) return null;
    const raw = await job.getState();
    const state: CatalogSyncState =
      raw === "completed" || raw === "failed" || raw === "active" ? raw : "waiting";
    const progress = typeof job.progress === "number" ? job.progress : 0;
    return {
      state,
      progress: state === "completed" ? 100 : progress,
      step: stepOf(progress),
      result: state === "completed" ? (job.returnvalue ?? null) : null,
      error: state === "failed" ? job.failedReason || "the sync failed" : null,
      serverId: job.data.serverId,
    };
  }

  /**
   * Runs a stdio connection test in a worker and waits for its answer (request-reply over
   * the catalog queue). No worker within `timeoutMs` is an answer too (`ok: false`,
   * saying so), and the job is withdrawn so a late worker does not start it.
   */
  async testConnection(payload: ConnectionTestPayload, timeoutMs = 30_000): Promise<ConnectionTestResult> {
    const data = connectionTestPayload.parse(payload);
    const job = await this.queue.add(JOBS.connectionTest, data, {
      attempts: 1,
      removeOnComplete: { age: 300 },
      removeOnFail: { age: 300 },
    });
    if (job.id === undefined) throw new Error("BullMQ returned a job without id");
    const deadline = Date.now() + timeoutMs;
    for (let wait = 25; ; wait = Math.min(wait * 2, 250)) {
      const current = await Job.fromId(this.queue, job.id);
      const state = current ? await current.getState() : "unknown";
      if (state === "completed" || state === "failed") {
        // Read again: the job may have finished between the two reads above, its result not yet in `current`.
        const finished = await Job.fromId(this.queue, job.id);
        if (state === "completed") return connectionTestResult.parse(finished?.returnvalue);
        return failedTest(finished?.failedReason || "the connection test failed in the worker");
      }
      if (Date.now() > deadline) {
        if (state !== "active") await current?.remove().catch(() => {});
        return failedTest(
          state === "active"
            ? `the worker did not finish the test within ${timeoutMs / 1000} s`
            : `no worker took the test within ${timeoutMs / 1000} s: stdio servers are started by the ` +
                "worker (is one running, with PORTCULLIS_SECRET_KEY set?)",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    // A connection handed to BullMQ stays the caller's to close.
    this.connection.disconnect();
  }
}

function failedTest(error: string): ConnectionTestResult {
  return { ok: false, latencyMs: null, protocolVersion: null, toolCount: null, toolNames: [], error };
}

function stepOf(progress: number): CatalogSyncStatus["step"] {
  let reached: CatalogSyncStatus["step"] = null;
  for (const [step, at] of Object.entries(CATALOG_SYNC_PROGRESS)) {
    if (progress >= at) reached = step as keyof typeof CATALOG_SYNC_PROGRESS;
  }
  return reached;
}
