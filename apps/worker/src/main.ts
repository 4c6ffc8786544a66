import { secretKeyFrom } from "@portcullis/auth/secrets";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { createDb } from "@portcullis/db/client";
import { type OperatorPolicy, operatorPolicyFrom } from "@portcullis/upstream/operator-policy";
import { pino } from "pino";
import { loadEnv, loadOperatorPolicyEnv } from "./env";
import { startApprovalProcessor } from "./processors/approvals";
import { startAuditProcessor } from "./processors/audit";
import { startAuditRetentionProcessor } from "./processors/audit-retention";
import { startCatalogSyncProcessor } from "./processors/catalog-sync";

// Composition root: read env, wire processors, stop gracefully. Logic lives in packages.

let env: ReturnType<typeof loadEnv>;
// Which hosts webhooks and HTTP upstreams may reach and which stdio commands may start: the operator's call.
let upstream: OperatorPolicy;
try {
  env = loadEnv();
  upstream = operatorPolicyFrom(loadOperatorPolicyEnv());
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}

const logger = pino({ level: env.LOG_LEVEL, base: { service: "worker" } });
const db = createDb(env.DATABASE_URL);
const names = redisNames(env.REDIS_PREFIX);

// One entry per queue this worker consumes (approvals, catalog sync… join here).
const processors = [
  startAuditProcessor({ db, redisUrl: env.REDIS_URL, names, concurrency: env.AUDIT_CONCURRENCY, logger }),
];
const processorNames = ["audit"];
processors.push(
  startAuditRetentionProcessor({
    db,
    redisUrl: env.REDIS_URL,
    names,
    retentionDays: env.AUDIT_RETENTION_DAYS,
    logger,
  }),
);
processorNames.push("audit-retention");
const secretKey =
  env.PORTCULLIS_SECRET_KEY !== undefined ? secretKeyFrom(env.PORTCULLIS_SECRET_KEY) : undefined;
processors.push(
  startApprovalProcessor({
    db,
    redisUrl: env.REDIS_URL,
    names,
    logger,
    // Team webhook URLs are sealed: the key opens them just before each post.
    webhook: {
      outbound: upstream.outbound,
      ...(env.PORTCULLIS_CONSOLE_URL !== undefined && { consoleUrl: env.PORTCULLIS_CONSOLE_URL }),
      ...(secretKey !== undefined && { secretKey }),
    },
  }),
);
processorNames.push("approvals");
if (secretKey !== undefined) {
  processors.push(
    startCatalogSyncProcessor({ db, redisUrl: env.REDIS_URL, names, secretKey, logger, upstream }),
  );
  processorNames.push("catalog-sync");
} else {
  logger.warn(
    {},
    "PORTCULLIS_SECRET_KEY is not set: catalog.sync jobs are not processed and team approval webhooks are not posted by this worker",
  );
}

let stopping = false;

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    logger.warn({ signal }, "second signal: exiting without waiting for jobs in progress");
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "shutting down: finishing jobs in progress");
  try {
    // Worker.close() waits for active jobs; a job cut short would simply be retried.
    await Promise.all(processors.map((processor) => processor.close()));
    await db.$disconnect();
    logger.info({}, "worker stopped");
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, "unclean shutdown");
    process.exit(1);
  }
}

process.on("SIGTERM", (signal) => void shutdown(signal));
process.on("SIGINT", (signal) => void shutdown(signal));

try {
  await Promise.all(processors.map((processor) => processor.ready()));
  logger.info({ prefix: env.REDIS_PREFIX, processors: processorNames }, "worker started");
} catch (error) {
  // Closing before the connection was up rejects ready(): that is a shutdown, not a failure.
  if (!stopping) {
    logger.fatal({ err: error }, "worker failed to start");
    process.exit(1);
  }
}
