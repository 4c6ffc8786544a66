import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";

export type MetricsExposition = () => Promise<{ contentType: string; body: string }>;

/** Answers GET /metrics with the registry's text exposition; a failed collect is a 500. */
export function serveMetrics(expose: MetricsExposition, logger: Logger, res: ServerResponse): Promise<void> {
  return expose().then(
    ({ contentType, body }) => {
      res.writeHead(200, { "content-type": contentType });
      res.end(body);
    },
    (err: unknown) => {
      logger.warn({ err: String(err) }, "metrics collection failed");
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("metrics collection failed\n");
    },
  );
}

/**
 * /metrics on a port of its own (GATEWAY_METRICS_PORT), so that the scrape endpoint can stay
 * on a network that agents do not reach.
 */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  expose: MetricsExposition;
  logger: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics" && req.method === "GET") {
      void serveMetrics(options.expose, options.logger, res);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("only GET /metrics is served here\n");
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
