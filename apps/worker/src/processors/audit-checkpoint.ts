import { JOBS, QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import {
  type CheckpointRunResult,
  checkpointAuditChains,
} from "@portcullis/control/audit/checkpoints/checkpoint-chains";
import type { Db } from "@portcullis/db/client";
import { type RedisTarget, redisConnectionOptions } from "@portcullis/queues/redis-config";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Logger } from "pino";

export interface AuditCheckpointProcessorOptions {
  db: Db;
  redisUrl: RedisTarget;
  names: RedisNames;
  /** Signs checkpoints (PORTCULLIS_SECRET_KEY through secretKeyFrom). */
  secretKey: Buffer;
  /** How often chains are verified and checkpointed (AUDIT_CHECKPOINT_EVERY_MS). */
  everyMs: number;
  logger: Logger;
}

export interface AuditCheckpointProcessor {
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Schedules `audit.checkpoint` (one BullMQ job scheduler however many workers upsert it) on
 * a queue of its own, and runs it: verify every chain against its signed checkpoints and
 * sign the new heads (control/audit/checkpoints). A newly broken chain is logged as an error
 * here and recorded in the organization's admin log by the use case.
 */
export function startAuditCheckpointProcessor(
  options: AuditCheckpointProcessorOptions,
): AuditCheckpointProcessor {
  const logger = options.logger.child({ processor: "audit-checkpoint" });
  const connection = { ...redisConnectionOptions(options.redisUrl), maxRetriesPerRequest: null };
  const queue = new Queue(QUEUES.auditIntegrity, { connection, prefix: options.names.bullPrefix });
  queue.on("error", (error) => logger.warn({ err: error }, "audit checkpoint queue error"));
  const scheduled = queue.upsertJobScheduler(
    JOBS.auditCheckpoint,
    { every: options.everyMs },
    {
      name: JOBS.auditCheckpoint,
      data: {},
      opts: {
        attempts: 3,
        backoff: { type: "exponential", delay: 30_000 },
        removeOnComplete: 50,
        removeOnFail: 50,
      },
    },
  );
  scheduled.catch(() => {});

  const worker = new Worker<Record<string, never>, CheckpointRunResult>(
    QUEUES.auditIntegrity,
    (job) => runCheckpoint(job, options),
    { connection, prefix: options.names.bullPrefix, concurrency: 1 },
  );
  worker.on("error", (error) => logger.warn({ err: error }, "audit checkpoint worker error"));
  worker.on("failed", (job, error) =>
    logger.error({ err: error, jobId: job?.id }, "audit checkpoint failed"),
  );
  worker.on("completed", (_job, result) => {
    for (const chain of result.chains.filter((c) => c.newlyBroken)) {
      logger.error(
        { chain: chain.chain, orgId: chain.orgId, firstBrokenId: chain.firstBrokenId, detail: chain.detail },
        "audit chain verification failed: tampering or data loss",
      );
    }
    logger.info(
      { chains: result.chains.length, broken: result.broken },
      "audit chains verified and checkpointed",
    );
  });

  return {
    ready: async () => {
      await scheduled;
      await worker.waitUntilReady();
    },
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}

async function runCheckpoint(
  job: Job,
  options: AuditCheckpointProcessorOptions,
): Promise<CheckpointRunResult> {
  if (job.name !== JOBS.auditCheckpoint) throw new UnrecoverableError(`unexpected job "${job.name}"`);
  return checkpointAuditChains(options.db, { secretKey: options.secretKey });
}
