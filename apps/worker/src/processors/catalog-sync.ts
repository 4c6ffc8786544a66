import { AppError } from "@portcullis/contracts/errors";
import {
  CATALOG_SYNC_PROGRESS,
  type CatalogSyncJobResult,
  type CatalogSyncPayload,
  type ConnectionTestPayload,
  type ConnectionTestResult,
  catalogSyncPayload,
  connectionTestPayload,
  JOBS,
  QUEUES,
} from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { actorLabel } from "@portcullis/control/admin-audit/actor";
import { recordAdminChange } from "@portcullis/control/admin-audit/record-admin-change";
import { probeConnection } from "@portcullis/control/servers/probe-connection";
import { openSpec } from "@portcullis/control/servers/sealed-spec";
import { syncServerCatalog } from "@portcullis/control/servers/sync-catalog";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import type { Db } from "@portcullis/db/client";
import { createRedisClient, type RedisTarget, redisConnectionOptions } from "@portcullis/queues/redis-config";
import type { OperatorPolicy } from "@portcullis/upstream/operator-policy";
import { UpstreamPool } from "@portcullis/upstream/pool";
import type { StdioLaunchEvent } from "@portcullis/upstream/types";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface CatalogSyncProcessorOptions {
  db: Db;
  redisUrl: RedisTarget;
  names: RedisNames;
  /** Opens the servers' sealed credentials (PORTCULLIS_SECRET_KEY). */
  secretKey: Buffer;
  logger: Logger;
  /** Syncs run at once. Default 2. */
  concurrency?: number;
  /** The operator's SSRF allowlist and stdio launch policy (PORTCULLIS_OUTBOUND_ALLOW, PORTCULLIS_STDIO_*). */
  upstream: OperatorPolicy;
}

export interface CatalogSyncProcessor {
  ready(): Promise<void>;
  /** Stops taking jobs, waits for the running ones, closes upstream connections and Redis. */
  close(): Promise<void>;
}

/**
 * catalog.sync jobs → `syncServerCatalog`, reporting progress at each step (connecting 10,
 * listing 50, storing 80, publishing 100), then a snapshot when the catalog changed so
 * gateways serve the new tools. server.connection_test jobs → `probeConnection` (the
 * console's stdio tests: only the worker and the gateway start programs).
 */
export function startCatalogSyncProcessor(options: CatalogSyncProcessorOptions): CatalogSyncProcessor {
  const logger = options.logger.child({ processor: "catalog-sync" });
  // Idle upstream connections (stdio children above all) should not outlive a sync for long.
  const onLaunch = (launch: StdioLaunchEvent) =>
    void auditLaunch(options.db, launch).catch((error) =>
      logger.warn({ err: error, server: launch.serverName }, "could not audit a stdio launch"),
    );
  const pool = new UpstreamPool({
    clientInfo: { name: "portcullis-worker", version: "0.0.0" },
    idleTimeoutMs: 30_000,
    logger,
    ...options.upstream,
    onLaunch,
  });
  const redis = createRedisClient(options.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on("error", (error) => logger.warn({ err: error }, "catalog sync: redis error"));

  const worker = new Worker<
    CatalogSyncPayload | ConnectionTestPayload,
    CatalogSyncJobResult | ConnectionTestResult
  >(
    QUEUES.catalog,
    (job) =>
      job.name === JOBS.connectionTest
        ? runConnectionTest(job as Job<ConnectionTestPayload>, { ...options, logger, onLaunch })
        : runSync(job as Job<CatalogSyncPayload, CatalogSyncJobResult>, { ...options, pool, redis }),
    {
      connection: { ...redisConnectionOptions(options.redisUrl), maxRetriesPerRequest: null },
      prefix: options.names.bullPrefix,
      concurrency: options.concurrency ?? 2,
    },
  );
  worker.on("error", (error) => logger.warn({ err: error }, "catalog sync worker error"));
  worker.on("failed", (job, error) =>
    // An unreachable upstream is an expected outcome the admin sees in the console.
    logger.info(
      { jobId: job?.id, serverId: job?.data.serverId, reason: error.message },
      "catalog sync failed",
    ),
  );
  worker.on("completed", (job, result) =>
    logger.info(
      { jobId: job.id, serverId: job.data.serverId, ...result },
      job.name === JOBS.connectionTest ? "connection tested" : "catalog synced",
    ),
  );

  return {
    ready: () => worker.waitUntilReady().then(() => {}),
    close: async () => {
      await worker.close();
      await pool.close();
      redis.disconnect();
    },
  };
}

/** A stdio connection test for the console: opens the sealed spec and probes it with its own pool. */
async function runConnectionTest(
  job: Job<ConnectionTestPayload>,
  deps: CatalogSyncProcessorOptions & { onLaunch: (launch: StdioLaunchEvent) => void },
): Promise<ConnectionTestResult> {
  const parsed = connectionTestPayload.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid connection test payload: ${parsed.error.message}`);
  const spec = openSpec(parsed.data.sealedSpec, deps.secretKey);
  return probeConnection(
    spec,
    { ...deps.upstream, onLaunch: deps.onLaunch, logger: deps.logger },
    "portcullis-worker",
  );
}

/**
 * Audits a stdio process the worker started for a saved server (the console audits its
 * connection tests itself, saved server or not).
 */
async function auditLaunch(db: Db, launch: StdioLaunchEvent): Promise<void> {
  const server = await db.server.findUnique({ where: { id: launch.serverId }, select: { orgId: true } });
  if (!server) return;
  await db.$transaction((tx) =>
    recordAdminChange(tx, {
      orgId: server.orgId,
      actor: { type: "system", name: "worker" },
      action: "server.stdio_launch",
      targetType: "server",
      targetId: launch.serverId,
      details: {
        name: launch.serverName,
        commandLine: launch.commandLine,
        sandbox: launch.sandbox,
        network: launch.network,
      },
    }),
  );
}

async function runSync(
  job: Job<CatalogSyncPayload, CatalogSyncJobResult>,
  deps: CatalogSyncProcessorOptions & { pool: UpstreamPool; redis: Redis },
): Promise<CatalogSyncJobResult> {
  if (job.name !== JOBS.catalogSync) throw new UnrecoverableError(`unexpected job "${job.name}"`);
  const parsed = catalogSyncPayload.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid catalog.sync payload: ${parsed.error.message}`);
  const { serverId, orgId, actor } = parsed.data;

  await job.updateProgress(CATALOG_SYNC_PROGRESS.connecting);
  // The payload's org was checked when the job was enqueued; check again in case the server moved or went.
  const server = await deps.db.server.findFirst({ where: { id: serverId, orgId }, select: { name: true } });
  if (!server)
    throw new UnrecoverableError(new AppError("NOT_FOUND", `server ${serverId} no longer exists`).message);

  const result = await syncServerCatalog(deps.db, deps.pool, serverId, {
    secretKey: deps.secretKey,
    actor,
    onStep: (step) => job.updateProgress(CATALOG_SYNC_PROGRESS[step]),
  });
  let snapshotVersion: number | null = null;
  if (result.added.length + result.changed.length + result.removed.length > 0) {
    const published = await publishSnapshot(deps.db, deps.redis, deps.names, {
      secretKey: deps.secretKey,
      createdBy: actorLabel(actor),
      summary: `catalog.sync ${server.name} by ${actorLabel(actor)}`,
    });
    snapshotVersion = published.version;
  }
  await job.updateProgress(CATALOG_SYNC_PROGRESS.publishing);
  return { ...result, snapshotVersion };
}
