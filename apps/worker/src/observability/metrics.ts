import type { AuditEvent } from "@portcullis/contracts/audit";
import { QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { createRedisClient, type RedisTarget, redisConnectionOptions } from "@portcullis/queues/redis-config";
import { Queue } from "bullmq";
import type { Logger } from "pino";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The audit ingest's view of metrics: one call per stored batch. */
export interface AuditIngestObserver {
  batchStored(events: AuditEvent[], inserted: number, durationMs: number): void;
}

const STATES = ["waiting", "paused", "active", "delayed", "prioritized", "failed"] as const;
/** Lag from the gateway's receipt of a request to its row in Postgres: milliseconds to (during an outage) hours. */
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * The worker's Prometheus metrics: audit ingest throughput and lag, and the audit queue's
 * depth read from BullMQ at scrape time (jobs, each a batch of events).
 */
export class WorkerMetrics implements AuditIngestObserver {
  readonly registry = new Registry();
  private readonly ingested: Counter;
  private readonly duplicates: Counter;
  private readonly lag: Histogram;
  private readonly batchDuration: Histogram;
  private readonly queue: Queue;

  /** Counts the audit jobs `read()` says were refused as forged (their MAC did not verify). */
  countRefusedAuditJobs(read: () => number): void {
    new Counter({
      name: "portcullis_worker_audit_jobs_refused_total",
      help: "Audit jobs refused because their MAC did not verify (forged or written with another key)",
      registers: [this.registry],
      collect() {
        // The worker keeps the running total; the counter is set from it at each scrape.
        this.reset();
        this.inc(read());
      },
    });
  }

  constructor(options: {
    redisUrl: RedisTarget;
    names: RedisNames;
    logger: Logger;
    processMetrics?: boolean;
  }) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    // Fail fast: a scrape while Redis is down must not hang (the gauge then keeps its last value).
    const connection = createRedisClient(redisConnectionOptions(options.redisUrl), {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2_000,
    });
    connection.on("error", () => undefined);
    this.queue = new Queue(QUEUES.audit, { connection, prefix: options.names.bullPrefix });
    this.queue.on("error", () => undefined);
    const queue = this.queue;
    const logger = options.logger;
    new Gauge({
      name: "portcullis_worker_audit_queue_jobs",
      help: "Audit ingest jobs (batches of events) in the queue, by state",
      labelNames: ["state"],
      registers,
      async collect() {
        try {
          const counts = await queue.getJobCounts(...STATES);
          for (const state of STATES) this.set({ state }, counts[state] ?? 0);
        } catch (err) {
          logger.debug({ err: String(err) }, "audit queue depth unavailable");
        }
      },
    });
    this.ingested = new Counter({
      name: "portcullis_worker_audit_events_ingested_total",
      help: "Audit events written to Postgres",
      registers,
    });
    this.duplicates = new Counter({
      name: "portcullis_worker_audit_events_duplicate_total",
      help: "Audit events delivered again (retried job, replayed spool) and skipped as already stored",
      registers,
    });
    this.lag = new Histogram({
      name: "portcullis_worker_audit_ingest_lag_seconds",
      help: "Time from the gateway receiving a request to its audit event being stored",
      buckets: LAG_BUCKETS,
      registers,
    });
    this.batchDuration = new Histogram({
      name: "portcullis_worker_audit_batch_duration_seconds",
      help: "Time to store one batch of audit events (hash chain included)",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  batchStored(events: AuditEvent[], inserted: number, durationMs: number): void {
    this.ingested.inc(inserted);
    this.duplicates.inc(events.length - inserted);
    this.batchDuration.observe(durationMs / 1000);
    const now = Date.now();
    for (const e of events) this.lag.observe(Math.max(0, now - Date.parse(e.occurredAt)) / 1000);
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
  }
}
