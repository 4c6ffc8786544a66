import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";

export interface WorkerHttpOptions {
  host: string;
  port: number;
  logger: Logger;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Whether every processor is connected and taking jobs. */
  ready: () => boolean;
}

/**
 * The worker's small HTTP surface (WORKER_METRICS_PORT): /metrics for Prometheus, /healthz
 * (the process answers: restart it if not) and /readyz (every queue consumer is connected).
 */
export async function startWorkerHttpServer(
  options: WorkerHttpOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "GET") return json(405, { error: "only GET is served here" });
    if (path === "/healthz") return json(200, { status: "ok" });
    if (path === "/readyz") {
      const ready = options.ready();
      return json(ready ? 200 : 503, { status: ready ? "ready" : "not_ready" });
    }
    if (path === "/metrics") {
      options.metrics().then(
        ({ contentType, body }) => {
          res.writeHead(200, { "content-type": contentType });
          res.end(body);
        },
        (err: unknown) => {
          options.logger.warn({ err: String(err) }, "metrics collection failed");
          json(500, { error: "metrics collection failed" });
        },
      );
      return;
    }
    json(404, { error: `no route ${path}; served: /metrics, /healthz, /readyz` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
