import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import {
  endpointOfMetadataPath,
  type ProtectedResourceConfig,
  protectedResourceMetadata,
} from "../oauth/protected-resource";
import { type MetricsExposition, serveMetrics } from "../observability/metrics-server";
import { portalNameOf } from "../portals/portal-route";
import { checkHostOrigin, type HostOriginPolicy } from "./host-origin";
import { jsonRpcError, sendJson } from "./json-rpc";
import { pathOf } from "./request-path";

export interface Readiness {
  ready: boolean;
  reasons: string[];
  snapshotVersion: number | null;
  /** Under GATEWAY_WORKERS=N: each serving worker's own state (cluster/cluster-view.ts). */
  workers?: { slot: number; ready: boolean; snapshotVersion: number | null }[];
}

export interface HttpServerDeps {
  hostOrigin: HostOriginPolicy;
  logger: Logger;
  mcpPath: string;
  readiness: () => Readiness;
  /** Under GATEWAY_WORKERS=N, /readyz answers for the whole gateway (cluster/worker-link.ts). */
  clusterReadiness?: () => Promise<Readiness>;
  handleMcp: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Serves RFC 9728 protected-resource metadata when the gateway accepts OAuth tokens. */
  protectedResource?: ProtectedResourceConfig | null;
  /** GET /metrics on this port (absent when metrics have a port of their own). */
  metrics?: MetricsExposition;
  /** Slowloris limits (GATEWAY_HEADERS_TIMEOUT_MS, GATEWAY_REQUEST_TIMEOUT_MS); see createGatewayHttpServer. */
  timeouts?: HttpTimeouts;
}

export interface HttpTimeouts {
  /** A client must have sent its complete headers this long after its request started. */
  headersTimeoutMs: number;
  /** …and the complete request (headers and body). Answers may take longer (tool calls). */
  requestTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

export interface GatewayHttpServer {
  server: Server;
  /** This process's readiness, draining included (what /readyz says outside a cluster). */
  readiness(): Readiness;
  /** Stops accepting connections and resolves when in-flight requests finish (or the grace runs out). */
  drain(graceMs: number): Promise<{ abandoned: number }>;
}

/**
 * The gateway's HTTP surface: /healthz, /readyz, /metrics and the MCP endpoint. Whatever a client
 * sends, the process answers and lives on: every handler failure becomes a 500 JSON body.
 */
export function createGatewayHttpServer(deps: HttpServerDeps): GatewayHttpServer {
  let inFlight = 0;
  let draining = false;
  let idle: (() => void) | null = null;

  const timeouts = deps.timeouts ?? DEFAULT_HTTP_TIMEOUTS;
  // Node checks both timeouts on this interval (default 30 s): a slow client is dropped
  // within a fraction of the limit rather than up to 30 s after it.
  const checkEveryMs = Math.max(100, Math.min(1_000, Math.floor(timeouts.headersTimeoutMs / 4)));
  const server = createServer({ connectionsCheckingInterval: checkEveryMs }, (req, res) => {
    inFlight++;
    res.on("close", () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    route(req, res).catch((err: unknown) => {
      deps.logger.error({ err, url: req.url }, "unhandled error in request");
      if (!res.headersSent) sendJson(res, 500, jsonRpcError(null, -32603, "internal gateway error"));
      else res.destroy();
    });
  });
  // Malformed HTTP never reaches a handler; answer it and keep going.
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // A client too slow with its headers or body (headersTimeout, requestTimeout) gets a 408.
    const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\n\r\n`);
    else socket.destroy();
  });
  server.keepAliveTimeout = 65_000;
  // Against slowloris: headers and the request body must arrive in time (a 408 otherwise).
  // Receiving the request is all these bound: long tool calls answer after it, unaffected.
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;

  function localReadiness(): Readiness {
    const r = deps.readiness();
    return draining
      ? { ready: false, reasons: ["shutting down", ...r.reasons], snapshotVersion: r.snapshotVersion }
      : r;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url ?? "/");
    if (path === "/healthz" && req.method === "GET") {
      sendJson(res, 200, { status: "ok" });
      return;
    }
    if (path === "/readyz" && req.method === "GET") {
      const r = deps.clusterReadiness && !draining ? await deps.clusterReadiness() : localReadiness();
      sendJson(res, r.ready ? 200 : 503, {
        status: r.ready ? "ready" : "not_ready",
        snapshotVersion: r.snapshotVersion,
        reasons: r.reasons,
        ...(r.workers && { workers: r.workers }),
      });
      return;
    }
    if (path === "/metrics" && req.method === "GET" && deps.metrics) {
      await serveMetrics(deps.metrics, deps.logger, res);
      return;
    }
    const metadataOf = deps.protectedResource ? endpointOfMetadataPath(path ?? "/") : null;
    if (metadataOf !== null && deps.protectedResource && req.method === "GET") {
      // Public, like the AS's metadata: MCP clients fetch it from anywhere (a browser included).
      sendJson(res, 200, protectedResourceMetadata(deps.protectedResource, metadataOf), {
        "access-control-allow-origin": "*",
        "cache-control": "public, max-age=300",
      });
      return;
    }
    if (path !== deps.mcpPath && portalNameOf(deps.mcpPath, path) === null) {
      sendJson(res, 404, {
        error: {
          code: "NOT_FOUND",
          message: `no route ${req.method} ${path}; the MCP endpoint is ${deps.mcpPath}`,
        },
      });
      return;
    }
    const refusal = checkHostOrigin(deps.hostOrigin, req.headers.host, req.headers.origin);
    if (refusal) {
      sendJson(res, 403, jsonRpcError(null, -32003, refusal, { code: "FORBIDDEN" }));
      return;
    }
    if (draining) {
      sendJson(res, 503, jsonRpcError(null, -32000, "gateway is shutting down; retry on another replica"), {
        connection: "close",
      });
      return;
    }
    await deps.handleMcp(req, res);
  }

  return {
    server,
    readiness: localReadiness,
    async drain(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => {
            idle = resolve;
          }),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      const abandoned = inFlight;
      server.closeAllConnections();
      await closed;
      return { abandoned };
    },
  };
}
