import cluster, { type Worker } from "node:cluster";
import {
  AggregatorRegistry,
  Gauge,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from "prom-client";
import type { Readiness } from "../http/http-server";
import {
  type AskKind,
  type ClusterAnswer,
  type ClusterAsk,
  isMessage,
  type LocalAnswer,
  type LocalAsk,
} from "./messages";

/** A worker that does not answer in this long counts as not ready (and is left out of /metrics). */
const ASK_TIMEOUT_MS = 2_000;

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The primary's view of the whole gateway under `GATEWAY_WORKERS=N`: its workers' metrics
 * summed (prom-client's AggregatorRegistry.aggregate, each metric by its own aggregator) and
 * their readiness combined. It asks only the workers that listen — those node:cluster hands
 * connections to — so a worker still booting or being replaced neither stalls a scrape nor
 * counts as serving. Workers reach it over IPC (worker-link.ts) to answer /metrics and /readyz
 * on the gateway's port; the primary serves it itself on GATEWAY_METRICS_PORT.
 */
export class ClusterView {
  /** Worker id → slot, for the workers that listen. */
  private readonly serving = new Map<number, number>();
  private readonly pending = new Map<number, (answer: LocalAnswer | null) => void>();
  private nextId = 0;

  constructor(private readonly slotOf: (worker: Worker) => number | undefined) {
    cluster.on("listening", (worker) => {
      this.serving.set(worker.id, this.slotOf(worker) ?? worker.id);
    });
    cluster.on("exit", (worker) => {
      this.serving.delete(worker.id);
    });
    cluster.on("message", (worker, message: unknown) => {
      if (isMessage<LocalAnswer>(message, "portcullis:local-answer")) {
        this.pending.get(message.id)?.(message);
        return;
      }
      if (isMessage<ClusterAsk>(message, "portcullis:cluster-ask")) void this.answer(worker, message);
    });
  }

  /** The whole gateway's metrics, in Prometheus text format. */
  async metrics(): Promise<{ contentType: string; body: string }> {
    const answers = await this.askAll("metrics");
    const reported = answers.filter((a) => a.answer?.metrics !== undefined);
    const aggregated = AggregatorRegistry.aggregate(reported.map((a) => a.answer?.metrics as Metrics));
    const own = new Registry();
    const workers = new Gauge({
      name: "portcullis_gateway_workers",
      help: "Gateway worker processes: serving (listening for connections) and reporting (in this scrape)",
      labelNames: ["state"],
      registers: [own],
    });
    workers.set({ state: "serving" }, answers.length);
    workers.set({ state: "reporting" }, reported.length);
    return {
      contentType: aggregated.contentType,
      body: (await aggregated.metrics()) + (await own.metrics()),
    };
  }

  /**
   * Ready when at least one worker serves and every worker that serves is ready: node:cluster
   * hands connections round-robin, so one worker that cannot serve fails its share of calls.
   */
  async readiness(): Promise<Readiness> {
    const answers = await this.askAll("readiness");
    const reasons: string[] = [];
    const workers: NonNullable<Readiness["workers"]> = [];
    let ready = answers.length > 0;
    if (answers.length === 0) reasons.push("no gateway worker is serving");
    let snapshotVersion: number | null = null;
    for (const { slot, answer } of answers) {
      const r = answer?.readiness;
      if (!r) {
        ready = false;
        reasons.push(`worker ${slot}: did not answer`);
        workers.push({ slot, ready: false, snapshotVersion: null });
        continue;
      }
      ready &&= r.ready;
      for (const reason of r.reasons) reasons.push(`worker ${slot}: ${reason}`);
      workers.push({ slot, ready: r.ready, snapshotVersion: r.snapshotVersion });
      // The version the whole gateway is sure to serve: the oldest any worker holds.
      if (r.snapshotVersion !== null)
        snapshotVersion =
          snapshotVersion === null ? r.snapshotVersion : Math.min(snapshotVersion, r.snapshotVersion);
    }
    return { ready, reasons, snapshotVersion, workers };
  }

  private async answer(worker: Worker, ask: ClusterAsk): Promise<void> {
    const reply = (answer: Omit<ClusterAnswer, "type" | "id">) => {
      if (worker.isConnected()) worker.send({ type: "portcullis:cluster-answer", id: ask.id, ...answer });
    };
    try {
      if (ask.kind === "metrics") reply({ metrics: await this.metrics() });
      else reply({ readiness: await this.readiness() });
    } catch (err) {
      reply({ error: String(err) });
    }
  }

  private askAll(kind: AskKind): Promise<{ slot: number; answer: LocalAnswer | null }[]> {
    const asks = [...this.serving].map(async ([workerId, slot]) => {
      const worker = cluster.workers?.[workerId];
      return { slot, answer: worker?.isConnected() ? await this.ask(worker, kind) : null };
    });
    return Promise.all(asks).then((all) => all.sort((a, b) => a.slot - b.slot));
  }

  private ask(worker: Worker, kind: AskKind): Promise<LocalAnswer | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(null), ASK_TIMEOUT_MS);
      const settle = (answer: LocalAnswer | null) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(answer);
      };
      this.pending.set(id, settle);
      const message: LocalAsk = { type: "portcullis:local-ask", id, kind };
      worker.send(message, (err: Error | null) => {
        if (err) settle(null);
      });
    });
  }
}
