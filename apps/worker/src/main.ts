import { secretKeyFrom } from "@portcullis/auth/secrets";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { createDb } from "@portcullis/db/client";
import { auditJobKey } from "@portcullis/queues/audit-job-mac";
import { redisSettingsFrom } from "@portcullis/queues/redis-config";
import { tracingEnabled } from "@portcullis/telemetry/tracing-enabled";
import { type OperatorPolicy, operatorPolicyFrom } from "@portcullis/upstream/operator-policy";
import { pino } from "pino";
import { loadEnv, loadOperatorPolicyEnv } from "./env";
import { startWorkerHttpServer } from "./observability/http-server";
import { type AuditIngestObserver, WorkerMetrics } from "./observability/metrics";
import { spanObserver, tracedIngest } from "./observability/tracing";
import { startApprovalProcessor } from "./processors/approvals";
import { startAuditProcessor } from "./processors/audit";
import { startAuditCheckpointProcessor } from "./processors/audit-checkpoint";
import { startAuditRetentionProcessor } from "./processors/audit-retention";
import { startCatalogSyncProcessor } from "./processors/catalog-sync";
import { startAuditRollupLoop } from "./rollups/rollup-loop";

// Composition root: read env, wire processors, stop gracefully. Logic lives in packages.

const WORKER_VERSION = "0.1.0";

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
// OpenTelemetry is configured by its standard OTEL_* variables alone; unset, the SDK is never loaded.
const tracing = tracingEnabled(process.env)
  ? await (await import("@portcullis/telemetry/start-tracing")).startTracing({
      defaultServiceName: "portcullis-worker",
      env: process.env,
    })
  : null;
const db = createDb(env.DATABASE_URL);
const names = redisNames(env.REDIS_PREFIX);
// REDIS_URL plus the ACL user, password and TLS CA: every connection below uses the same.
const redisTarget = redisSettingsFrom(env);

const metrics =
  env.WORKER_METRICS_PORT === undefined
    ? null
    : new WorkerMetrics({ redisUrl: redisTarget, names, logger, processMetrics: true });

const secretKey =
  env.PORTCULLIS_SECRET_KEY !== undefined ? secretKeyFrom(env.PORTCULLIS_SECRET_KEY) : undefined;
if (secretKey === undefined)
  logger.warn({}, "PORTCULLIS_SECRET_KEY is not set: audit jobs are not authenticated");
const auditProcessor = startAuditProcessor({
  db,
  redisUrl: redisTarget,
  names,
  concurrency: env.AUDIT_CONCURRENCY,
  logger,
  // Gateways sign every audit job: with the key, a job forged in Redis is refused.
  ...(secretKey !== undefined && { macKey: auditJobKey(secretKey) }),
  ...ingestHooks(),
});
metrics?.countRefusedAuditJobs(() => auditProcessor.stats().refused);
// One entry per queue this worker consumes (approvals, catalog sync… join here).
const processors: Array<{ ready(): Promise<void>; close(): Promise<void> }> = [auditProcessor];
const processorNames = ["audit"];
processors.push(
  startAuditRetentionProcessor({
    db,
    redisUrl: redisTarget,
    names,
    retentionDays: env.AUDIT_RETENTION_DAYS,
    logger,
  }),
);
processorNames.push("audit-retention");
processors.push(startAuditRollupLoop({ db, everyMs: env.AUDIT_ROLLUP_EVERY_MS, logger }));
processorNames.push("audit-rollups");
processors.push(
  startApprovalProcessor({
    db,
    redisUrl: redisTarget,
    names,
    logger,
    // Team webhook URLs are sealed: the key opens them just before each post.
    webhook: {
      outbound: upstream.outbound,
      ...(env.PORTCULLIS_CONSOLE_URL !== undefined && { consoleUrl: env.PORTCULLIS_CONSOLE_URL }),
      ...(secretKey !== undefined && { secretKey }),
    },
    ...(secretKey !== undefined && { secretKey }),
  }),
);
processorNames.push("approvals");
if (secretKey !== undefined) {
  processors.push(
    startCatalogSyncProcessor({ db, redisUrl: redisTarget, names, secretKey, logger, upstream }),
  );
  processorNames.push("catalog-sync");
  processors.push(
    startAuditCheckpointProcessor({
      db,
      redisUrl: redisTarget,
      names,
      secretKey,
      everyMs: env.AUDIT_CHECKPOINT_EVERY_MS,
      logger,
    }),
  );
  processorNames.push("audit-checkpoint");
} else {
  logger.warn(
    {},
    "PORTCULLIS_SECRET_KEY is not set: catalog.sync jobs are not processed, audit chains are not checkpointed, team approval webhooks are not posted and expiries are not published to gateways by this worker",
  );
}

function ingestHooks(): { observer?: AuditIngestObserver; runIngest?: ReturnType<typeof tracedIngest> } {
  if (!tracing) return metrics ? { observer: metrics } : {};
  const observers = metrics ? [metrics, spanObserver] : [spanObserver];
  return {
    runIngest: tracedIngest(WORKER_VERSION),
    observer: {
      batchStored: (...args) => {
        for (const o of observers) o.batchStored(...args);
      },
    },
  };
}

let stopping = false;
let ready = false;
const http =
  metrics && env.WORKER_METRICS_PORT !== undefined
    ? await startWorkerHttpServer({
        host: env.WORKER_METRICS_HOST ?? "127.0.0.1",
        port: env.WORKER_METRICS_PORT,
        logger,
        metrics: () => metrics.exposition(),
        ready: () => ready && !stopping,
      })
    : null;

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
    await http?.close();
    await metrics?.close();
    await db.$disconnect();
    await tracing?.shutdown();
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
  ready = true;
  logger.info(
    { prefix: env.REDIS_PREFIX, processors: processorNames, metricsPort: http?.port ?? null },
    "worker started",
  );
} catch (error) {
  // Closing before the connection was up rejects ready(): that is a shutdown, not a failure.
  if (!stopping) {
    logger.fatal({ err: error }, "worker failed to start");
    process.exit(1);
  }
}
