import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { Readiness } from "../http/http-server";

/**
 * What the primary and its workers say to each other over the cluster's IPC channel
 * (cluster-view.ts in the primary, worker-link.ts in a worker). Every message carries an id
 * so an answer finds its question; the type names are ours, apart from prom-client's.
 */
export type AskKind = "metrics" | "readiness";

/** Primary → worker: report your own metrics or readiness. */
export interface LocalAsk {
  type: "portcullis:local-ask";
  id: number;
  kind: AskKind;
}

/** Worker → primary: this process's metrics (as JSON, for prom-client's aggregation) or readiness. */
export interface LocalAnswer {
  type: "portcullis:local-answer";
  id: number;
  metrics?: MetricObjectWithValues<MetricValue<string>>[];
  readiness?: Readiness;
  error?: string;
}

/** Worker → primary: what does the whole gateway say (a worker serving /metrics or /readyz)? */
export interface ClusterAsk {
  type: "portcullis:cluster-ask";
  id: number;
  kind: AskKind;
}

/** Primary → worker: the whole gateway's metrics exposition or readiness. */
export interface ClusterAnswer {
  type: "portcullis:cluster-answer";
  id: number;
  metrics?: { contentType: string; body: string };
  readiness?: Readiness;
  error?: string;
}

export function isMessage<T extends { type: string }>(value: unknown, type: T["type"]): value is T {
  return typeof value === "object" && value !== null && (value as { type?: unknown }).type === type;
}
