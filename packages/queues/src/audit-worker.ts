import { type AuditEvent, auditEventSchema } from "@portcullis/contracts/audit";
import { auditIngestPayload, JOBS, QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { ackStoredBatches } from "./audit-acks";
import { verifyAuditJob } from "./audit-job-mac";
import { BatchCoalescer } from "./batch-coalescer";
import { type Logger, silentLogger } from "./logger";
import { createRedisClient, type RedisConfig } from "./redis-config";

export interface AuditWorkerOptions {
  redis: RedisConfig;
  names: RedisNames;
  /** Persists one batch; must be idempotent by event id (jobs are retried, spools replayed). */
  handler: (events: AuditEvent[]) => Promise<void>;
  /** Stores (handler calls, each a Postgres transaction) running at once. Default 2. */
  concurrency?: number;
  /** Jobs taken from the queue at once; those in progress together are stored together. Default 64. */
  jobsAtOnce?: number;
  /** Most events merged into one store. Default 2,000. */
  maxBatchEvents?: number;
  /**
   * How long the first job waiting for a store may wait for others to join it (one
   * transaction for several jobs). Default 50 ms; 0 stores whatever is waiting at once.
   */
  lingerMs?: number;
  /**
   * The audit-job key (`auditJobKey(secret)`). Set: every job must carry a valid MAC, and
   * forged ones are refused (failed, counted, logged). Unset: jobs are not authenticated.
   */
  macKey?: Buffer;
  logger?: Logger;
}

export interface AuditWorkerStats {
  /** Jobs refused because their MAC was missing or wrong (cumulative). */
  refused: number;
  /** Events handed to the handler and stored (cumulative; replays included). */
  stored: number;
}

export interface AuditWorker {
  /** Resolves once the worker is connected and taking jobs. */
  ready(): Promise<void>;
  /** Stops taking jobs, waits for the ones in progress, closes connections. */
  close(): Promise<void>;
  stats(): AuditWorkerStats;
}

/**
 * Consumes `audit.ingest` jobs. A failing handler (Postgres down) makes BullMQ retry the
 * job with backoff; a payload that breaks the contract can never succeed, so it fails
 * the job at once (UnrecoverableError) after the valid events in it are persisted. A job
 * that is not authentic fails at once with nothing persisted. Once a job's events are
 * stored, its sink (the sending gateway's journal) is told, so it can forget them.
 */
export function startAuditWorker(options: AuditWorkerOptions): AuditWorker {
  const logger = options.logger ?? silentLogger;
  const counts: AuditWorkerStats = { refused: 0, stored: 0 };
  const jobsAtOnce = options.jobsAtOnce ?? 64;
  const coalescer = new BatchCoalescer<AuditEvent>(
    async (events) => {
      await options.handler(events);
      counts.stored += events.length;
    },
    options.maxBatchEvents ?? 2_000,
    options.concurrency ?? 2,
    options.lingerMs ?? 50,
    jobsAtOnce,
  );
  // Acks go on a connection of their own that fails fast: a lost ack only costs a resend.
  const acks = createRedisClient(options.redis, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  acks.on("error", (error) => logger.debug({ err: error }, "audit ack connection error"));
  const context: JobContext = { ...options, logger, counts, coalescer, acks, unsentAcks: new Map() };
  const worker = new Worker(QUEUES.audit, (job: Job) => processAuditJob(job, context), {
    // BullMQ's blocking connection must wait for Redis forever rather than give up a command.
    connection: { ...options.redis, maxRetriesPerRequest: null },
    prefix: options.names.bullPrefix,
    concurrency: jobsAtOnce,
  });
  worker.on("error", (error) => logger.warn({ err: error }, "audit worker error"));
  // Acked once BullMQ has marked the job completed (and removed it): until then a resend
  // of the same batch id would be dropped as a copy of the job in progress.
  worker.on("completed", (job: Job) => {
    const sink = (job.data as { sink?: unknown })?.sink;
    if (typeof sink === "string" && job.id !== undefined) queueAck(context, sink, job.id);
  });
  worker.on("failed", (job, error) => {
    const final =
      error instanceof UnrecoverableError || (job?.attemptsMade ?? 0) >= (job?.opts.attempts ?? 1);
    const fields = { err: error, jobId: job?.id, attemptsMade: job?.attemptsMade };
    if (final) logger.error(fields, "audit job failed for good; it stays in the failed set");
    else logger.warn(fields, "audit job failed; it will be retried");
  });
  return {
    ready: () => worker.waitUntilReady().then(() => {}),
    close: async () => {
      await worker.close();
      await sendAcks(context);
      acks.disconnect();
    },
    stats: () => ({ ...counts }),
  };
}

interface JobContext {
  names: RedisNames;
  macKey?: Buffer;
  logger: Logger;
  counts: AuditWorkerStats;
  coalescer: BatchCoalescer<AuditEvent>;
  acks: ReturnType<typeof createRedisClient>;
  /** Job ids completed and not yet acknowledged, by sink (see queueAck). */
  unsentAcks: Map<string, string[]>;
  ackTimer?: NodeJS.Timeout;
}

async function processAuditJob(job: Job, context: JobContext): Promise<void> {
  const { logger } = context;
  if (job.name !== JOBS.auditIngest) {
    throw new UnrecoverableError(`unexpected job "${job.name}" on the audit queue`);
  }
  const data = (job.data ?? {}) as { events?: unknown; sink?: unknown; mac?: unknown };
  if (context.macKey && !isAuthentic(context.macKey, data)) {
    context.counts.refused += 1;
    logger.error({ jobId: job.id, refused: context.counts.refused }, "forged audit job refused");
    throw new UnrecoverableError("audit job refused: its MAC does not verify");
  }
  const payload = auditIngestPayload.safeParse(job.data);
  if (payload.success) {
    await context.coalescer.submit(payload.data.events);
    return;
  }
  // Salvage what can be salvaged: one malformed event must not take its batch with it.
  const raw: unknown[] = Array.isArray(data.events) ? data.events : [];
  const valid: AuditEvent[] = [];
  for (const candidate of raw) {
    const parsed = auditEventSchema.safeParse(candidate);
    if (parsed.success) valid.push(parsed.data);
  }
  if (valid.length > 0) await context.coalescer.submit(valid);
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

function isAuthentic(key: Buffer, data: { events?: unknown; sink?: unknown; mac?: unknown }): boolean {
  if (!Array.isArray(data.events)) return false;
  if (data.sink !== undefined && typeof data.sink !== "string") return false;
  return verifyAuditJob(key, { events: data.events, sink: data.sink }, data.mac);
}

/**
 * The jobs of one store complete within a few milliseconds of each other: their acks go
 * out together, one round trip per sink, instead of one per job.
 */
const ACK_DELAY_MS = 5;

function queueAck(context: JobContext, sink: string, jobId: string): void {
  const ids = context.unsentAcks.get(sink);
  if (ids) ids.push(jobId);
  else context.unsentAcks.set(sink, [jobId]);
  context.ackTimer ??= setTimeout(() => void sendAcks(context), ACK_DELAY_MS);
}

async function sendAcks(context: JobContext): Promise<void> {
  clearTimeout(context.ackTimer);
  context.ackTimer = undefined;
  const bySink = [...context.unsentAcks];
  context.unsentAcks.clear();
  await Promise.all(
    bySink.map(async ([sink, jobIds]) => {
      try {
        await ackStoredBatches(context.acks, context.names, sink, jobIds);
      } catch (error) {
        // The events are stored: the sink sends the batches again later and the store ignores them.
        context.logger.warn({ err: error, jobIds }, "could not acknowledge stored audit batches");
      }
    }),
  );
}
