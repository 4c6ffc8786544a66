import { type AuditEvent, auditEventSchema } from "@portcullis/contracts/audit";
import { auditIngestPayload, JOBS, QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { type Logger, silentLogger } from "./logger";
import type { RedisConfig } from "./redis-config";

export interface AuditWorkerOptions {
  redis: RedisConfig;
  names: RedisNames;
  /** Persists one batch; must be idempotent by event id (jobs are retried, spools replayed). */
  handler: (events: AuditEvent[]) => Promise<void>;
  /** Jobs processed at once. Default 2. */
  concurrency?: number;
  logger?: Logger;
}

export interface AuditWorker {
  /** Resolves once the worker is connected and taking jobs. */
  ready(): Promise<void>;
  /** Stops taking jobs, waits for the ones in progress, closes connections. */
  close(): Promise<void>;
}

/**
 * Consumes `audit.ingest` jobs. A failing handler (Postgres down) makes BullMQ retry the
 * job with backoff; a payload that breaks the contract can never succeed, so it fails
 * the job at once (UnrecoverableError) after the valid events in it are persisted.
 */
export function startAuditWorker(options: AuditWorkerOptions): AuditWorker {
  const logger = options.logger ?? silentLogger;
  const worker = new Worker(QUEUES.audit, (job: Job) => processAuditJob(job, options.handler, logger), {
    // BullMQ's blocking connection must wait for Redis forever rather than give up a command.
    connection: { ...options.redis, maxRetriesPerRequest: null },
    prefix: options.names.bullPrefix,
    concurrency: options.concurrency ?? 2,
  });
  worker.on("error", (error) => logger.warn({ err: error }, "audit worker error"));
  worker.on("failed", (job, error) => {
    const final =
      error instanceof UnrecoverableError || (job?.attemptsMade ?? 0) >= (job?.opts.attempts ?? 1);
    const fields = { err: error, jobId: job?.id, attemptsMade: job?.attemptsMade };
    if (final) logger.error(fields, "audit job failed for good; it stays in the failed set");
    else logger.warn(fields, "audit job failed; it will be retried");
  });
  return {
    ready: () => worker.waitUntilReady().then(() => {}),
    close: () => worker.close(),
  };
}

async function processAuditJob(
  job: Job,
  handler: (events: AuditEvent[]) => Promise<void>,
  logger: Logger,
): Promise<void> {
  if (job.name !== JOBS.auditIngest) {
    throw new UnrecoverableError(`unexpected job "${job.name}" on the audit queue`);
  }
  const payload = auditIngestPayload.safeParse(job.data);
  if (payload.success) {
    await handler(payload.data.events);
    return;
  }
  // Salvage what can be salvaged: one malformed event must not take its batch with it.
  const raw: unknown[] = Array.isArray((job.data as { events?: unknown })?.events) ? job.data.events : [];
  const valid: AuditEvent[] = [];
  for (const candidate of raw) {
    const parsed = auditEventSchema.safeParse(candidate);
    if (parsed.success) valid.push(parsed.data);
  }
  if (valid.length > 0) await handler(valid);
  logger.error(
    {
      jobId: job.id,
      invalid: raw.length - valid.length,
      persisted: valid.length,
      issues: payload.error.issues.slice(0, 5),
    },
    "invalid audit payload",
  );
  throw new UnrecoverableError(
    `invalid audit payload: ${raw.length - valid.length} of ${raw.length} events rejected`,
  );
}
