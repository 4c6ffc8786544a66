import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import { startMetricsServer } from "../observability/metrics-server";
import { ClusterView } from "./cluster-view";

/** `GATEWAY_WORKERS`: `auto` (one process per core) or a count; 1 serves in this process. */
export function workerCount(setting: string, cores = availableParallelism()): number {
  if (setting === "auto") return Math.max(1, cores);
  const n = Number(setting);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`GATEWAY_WORKERS must be "auto" or a positive integer, not '${setting}'`);
  return n;
}

/** The env variable that tells a worker its slot (0…N-1, kept by its replacement), for logs. */
const SLOT_ENV = "GATEWAY_WORKER_SLOT";

/** Log fields that tell a worker's lines apart (its pid and slot); none outside a cluster. */
export function workerLogFields(env: NodeJS.ProcessEnv = process.env): Record<string, number> {
  const slot = env[SLOT_ENV];
  return cluster.isWorker && slot !== undefined ? { pid: process.pid, workerSlot: Number(slot) } : {};
}

/** Whether this process is the primary of a cluster (it supervises, the workers serve). */
export function isClusterPrimary(workers: number): boolean {
  return workers > 1 && cluster.isPrimary;
}

/**
 * The primary of `GATEWAY_WORKERS=N`: forks N gateway processes sharing the listening port
 * (node:cluster hands connections round-robin), restarts one that dies, and on SIGTERM/SIGINT
 * passes the signal on and resolves once every worker has drained and exited. Everything a
 * worker shares with the others lives in Redis (snapshot, rate-limit counters, approvals);
 * the MCP serving is stateless, so any worker can take any request. The workers share the
 * spool directory as replicas on one host may: each spool file has one owner, and a dead
 * worker's files are taken over by a live one (packages/queues spool-owners.ts). The primary
 * answers /metrics (on `metrics.port`, or through a worker on the gateway's port) and /readyz
 * for all the workers (cluster-view.ts).
 */
export async function superviseWorkers(
  workers: number,
  logger: Logger,
  options: { metrics?: { host: string; port: number } } = {},
): Promise<void> {
  let stopping = false;
  const slots = new Map<number, number>();
  // Cluster-wide /metrics and /readyz: workers ask it over IPC; it serves GATEWAY_METRICS_PORT.
  const view = new ClusterView((worker) => slots.get(worker.id));
  const metricsServer = options.metrics
    ? await startMetricsServer({ ...options.metrics, expose: () => view.metrics(), logger })
    : null;
  if (metricsServer) logger.info({ metricsPort: metricsServer.port }, "gateway cluster metrics listening");
  const fork = (slot: number) => {
    const worker = cluster.fork({ [SLOT_ENV]: String(slot) });
    slots.set(worker.id, slot);
  };
  for (let slot = 0; slot < workers; slot++) fork(slot);
  logger.info({ workers }, "gateway cluster started");

  await new Promise<void>((resolve) => {
    cluster.on("exit", (worker, code, signal) => {
      const slot = slots.get(worker.id);
      slots.delete(worker.id);
      if (stopping) {
        if (slots.size === 0) resolve();
        return;
      }
      logger.error({ slot, code, signal }, "gateway worker exited; starting a new one");
      if (slot !== undefined) setTimeout(() => fork(slot), 500).unref();
    });
    for (const name of ["SIGTERM", "SIGINT"] as const) {
      process.on(name, () => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal: name }, "stopping gateway workers");
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(name);
        if (slots.size === 0) resolve();
      });
    }
  });
  await metricsServer?.close();
}

/**
 * In a worker: shut down as on SIGTERM when the primary goes away (killed, crashed), so no
 * worker is left serving without a supervisor.
 */
export function stopWhenPrimaryLeaves(): void {
  if (cluster.isWorker) process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
}
