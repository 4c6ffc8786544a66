import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { recordKeyUse } from "@portcullis/control/agents/record-key-use";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import type { Db } from "@portcullis/db/client";
import { type AuditWorker, startAuditWorker } from "@portcullis/queues/audit-worker";
import { type RedisTarget, redisConnectionOptions } from "@portcullis/queues/redis-config";
import type { Logger } from "pino";
import type { AuditIngestObserver } from "../observability/metrics";
import type { IngestRunner } from "../observability/tracing";

export interface AuditProcessorOptions {
  db: Db;
  redisUrl: RedisTarget;
  names: RedisNames;
  concurrency: number;
  logger: Logger;
  /** Told about every stored batch (metrics). */
  observer?: AuditIngestObserver;
  /** Runs each batch (tracing wraps it in a span). */
  runIngest?: IngestRunner;
  /** The audit-job key (from PORTCULLIS_SECRET_KEY): set, forged jobs are refused. */
  macKey?: Buffer;
}

/**
 * audit.ingest jobs → `ingestAuditEvents` (one multi-row INSERT per store, idempotent by
 * event id; the jobs in progress together are stored together, see queues/batch-coalescer).
 */
export function startAuditProcessor(options: AuditProcessorOptions): AuditWorker {
  const logger = options.logger.child({ processor: "audit" });
  return startAuditWorker({
    redis: redisConnectionOptions(options.redisUrl),
    names: options.names,
    concurrency: options.concurrency,
    ...(options.macKey !== undefined && { macKey: options.macKey }),
    logger,
    handler: async (events) => {
      const ingest = async () => {
        const started = performance.now();
        const { inserted, detached } = await ingestAuditEvents(options.db, events);
        options.observer?.batchStored(events, inserted, performance.now() - started);
        if (detached > 0)
          logger.warn({ detached }, "audit events of unknown organizations stored without org");
        logger.debug({ events: events.length, inserted }, "audit batch stored");
        // Keys' last use follows from the events (throttled per key); losing it is not losing audit.
        await recordKeyUse(options.db, events).catch((err: unknown) =>
          logger.warn({ err }, "could not record agent keys' last use"),
        );
      };
      await (options.runIngest ? options.runIngest(events, ingest) : ingest());
    },
  });
}
