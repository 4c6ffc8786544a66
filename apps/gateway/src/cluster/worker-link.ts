import cluster from "node:cluster";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { Readiness } from "../http/http-server";
import type { MetricsExposition } from "../observability/metrics-server";
import {
  type AskKind,
  type ClusterAnswer,
  type ClusterAsk,
  isMessage,
  type LocalAnswer,
  type LocalAsk,
} from "./messages";

/** The primary gathers every worker's answer within its own 2 s; past this, this worker gives up. */
const CLUSTER_TIMEOUT_MS = 5_000;

/** What this worker reports about itself when the primary asks (start-gateway.ts attaches it). */
export interface LocalObservability {
  readiness(): Readiness;
  metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
}

/**
 * A gateway worker's side of cluster-wide observability (the primary's is cluster-view.ts):
 * it answers the primary with this process's metrics and readiness, and serves /readyz and
 * (unless the primary serves them on GATEWAY_METRICS_PORT) /metrics on the gateway's port
 * with the whole gateway's answer, whichever worker a connection lands on.
 */
export interface ClusterLink {
  /** Called by startGateway before it listens, so the primary never asks a worker with nothing to say. */
  attach(local: LocalObservability): void;
  readiness(): Promise<Readiness>;
  /** Absent when the primary serves /metrics on a port of its own. */
  metrics?: MetricsExposition;
}

export function workerLink(options: { metricsOnGatewayPort: boolean }): ClusterLink {
  let local: LocalObservability | null = null;
  const pending = new Map<number, (answer: ClusterAnswer) => void>();
  let nextId = 0;

  process.on("message", (message: unknown) => {
    if (isMessage<ClusterAnswer>(message, "portcullis:cluster-answer")) {
      pending.get(message.id)?.(message);
      return;
    }
    if (!isMessage<LocalAsk>(message, "portcullis:local-ask")) return;
    const reply = (answer: Omit<LocalAnswer, "type" | "id">) =>
      process.send?.({ type: "portcullis:local-answer", id: message.id, ...answer });
    if (!local) {
      reply({ error: "gateway not started yet" });
      return;
    }
    if (message.kind === "readiness") {
      reply({ readiness: local.readiness() });
      return;
    }
    local.metrics().then(
      (metrics) => reply({ metrics }),
      (err: unknown) => reply({ error: String(err) }),
    );
  });

  function askPrimary(kind: AskKind): Promise<ClusterAnswer> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error("the gateway's primary process did not answer"));
      }, CLUSTER_TIMEOUT_MS);
      pending.set(id, (answer) => {
        clearTimeout(timer);
        pending.delete(id);
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(answer);
      });
      const ask: ClusterAsk = { type: "portcullis:cluster-ask", id, kind };
      process.send?.(ask);
    });
  }

  return {
    attach(observability) {
      local = observability;
    },
    async readiness() {
      try {
        const { readiness } = await askPrimary("readiness");
        if (readiness) return readiness;
        throw new Error("the primary sent no readiness");
      } catch (err) {
        // No word from the primary: this worker stops when it goes (workers.ts), so not ready.
        const own = local?.readiness() ?? { ready: false, reasons: [], snapshotVersion: null };
        const why = err instanceof Error ? err.message : String(err);
        return { ...own, ready: false, reasons: [why, ...own.reasons] };
      }
    },
    ...(options.metricsOnGatewayPort && {
      async metrics() {
        const { metrics } = await askPrimary("metrics");
        if (!metrics) throw new Error("the primary sent no metrics");
        return metrics;
      },
    }),
  };
}

/** This process's link to its primary when it is a cluster worker; null otherwise. */
export function clusterLinkOf(options: { metricsOnGatewayPort: boolean }): ClusterLink | null {
  return cluster.isWorker ? workerLink(options) : null;
}
