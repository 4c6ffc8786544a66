import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import type { Db } from "@portcullis/db/client";
import { type AuditWorker, startAuditWorker } from "@portcullis/queues/audit-worker";
import type { Logger } from "pino";

export interface AuditProcessorOptions {
  db: Db;
  redisUrl: string;
  names: RedisNames;
  concurrency: number;
  logger: Logger;
}

/** audit.ingest jobs → `ingestAuditEvents` (one createMany per batch, idempotent by event id). */
export function startAuditProcessor(options: AuditProcessorOptions): AuditWorker {
  const logger = options.logger.child({ processor: "audit" });
  return startAuditWorker({
    redis: { url: options.redisUrl },
    names: options.names,
    concurrency: options.concurrency,
    logger,
    handler: async (events) => {
      const { inserted, detached } = await ingestAuditEvents(options.db, events);
      if (detached > 0) logger.warn({ detached }, "audit events of unknown organizations stored without org");
      logger.debug({ events: events.length, inserted }, "audit batch stored");
    },
  });
}
