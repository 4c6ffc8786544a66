import { type AuditRetentionPayload, auditRetentionPayload, JOBS, QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { type AuditRetentionResult, applyAuditRetention } from "@portcullis/control/audit/apply-retention";
import type { Db } from "@portcullis/db/client";
import { type RedisTarget, redisConnectionOptions } from "@portcullis/queues/redis-config";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Logger } from "pino";

export interface AuditRetentionProcessorOptions {
  db: Db;
  redisUrl: RedisTarget;
  names: RedisNames;
  /** Keep audit events this many days (AUDIT_RETENTION_DAYS); 0 keeps them forever. */
  retentionDays: number;
  /** How often the job runs. Default hourly. */
  everyMs?: number;
  logger: Logger;
}

export interface AuditRetentionProcessor {
  ready(): Promise<void>;
  close(): Promise<void>;
}

const HOURLY = 3_600_000;
const SCHEDULER_ID = JOBS.auditRetention;

/**
 * Schedules `audit.retention` (a BullMQ job scheduler: one schedule however many workers
 * upsert it) and runs it: `applyAuditRetention` with the period the job carries. With a
 * period of 0 it removes the schedule instead, so events are kept forever.
 */
export function startAuditRetentionProcessor(
  options: AuditRetentionProcessorOptions,
): AuditRetentionProcessor {
  const logger = options.logger.child({ processor: "audit-retention" });
  const connection = { ...redisConnectionOptions(options.redisUrl), maxRetriesPerRequest: null };
  const queue = new Queue<AuditRetentionPayload>(QUEUES.auditMaintenance, {
    connection,
    prefix: options.names.bullPrefix,
  });
  queue.on("error", (error) => logger.warn({ err: error }, "audit retention queue error"));

  const scheduled =
    options.retentionDays > 0
      ? queue.upsertJobScheduler(
          SCHEDULER_ID,
          { every: options.everyMs ?? HOURLY },
          {
            name: JOBS.auditRetention,
            data: { retentionDays: options.retentionDays },
            opts: {
              attempts: 3,
              backoff: { type: "exponential", delay: 30_000 },
              removeOnComplete: 50,
              removeOnFail: 50,
            },
          },
        )
      : queue.removeJobScheduler(SCHEDULER_ID);
  // Reported by ready(); until someone awaits it, a failure must not be an unhandled rejection.
  scheduled.catch(() => {});

  const worker =
    options.retentionDays > 0
      ? new Worker<AuditRetentionPayload, AuditRetentionResult>(
          QUEUES.auditMaintenance,
          (job) => runRetention(job, options.db),
          { connection, prefix: options.names.bullPrefix, concurrency: 1 },
        )
      : null;
  worker?.on("error", (error) => logger.warn({ err: error }, "audit retention worker error"));
  worker?.on("failed", (job, error) =>
    logger.error({ err: error, jobId: job?.id }, "audit retention failed"),
  );
  worker?.on("completed", (job, result) =>
    logger.info({ retentionDays: job.data.retentionDays, ...result }, "audit retention applied"),
  );
  if (!worker) logger.info({}, "AUDIT_RETENTION_DAYS is 0: audit events are kept forever");

  return {
    ready: async () => {
      await scheduled;
      await worker?.waitUntilReady();
    },
    close: async () => {
      await worker?.close();
      await queue.close();
    },
  };
}

async function runRetention(job: Job<AuditRetentionPayload>, db: Db): Promise<AuditRetentionResult> {
  if (job.name !== JOBS.auditRetention) throw new UnrecoverableError(`unexpected job "${job.name}"`);
  const parsed = auditRetentionPayload.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid audit.retention payload: ${parsed.error.message}`);
  const olderThan = new Date(Date.now() - parsed.data.retentionDays * 86_400_000);
  return applyAuditRetention(db, { olderThan });
}
