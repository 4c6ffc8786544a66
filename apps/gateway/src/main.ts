import { secretKeyFrom } from "@portcullis/auth/secrets";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { redisSettingsFrom } from "@portcullis/queues/redis-config";
import { tracingEnabled } from "@portcullis/telemetry/tracing-enabled";
import { operatorPolicyFrom } from "@portcullis/upstream/operator-policy";
import { pino } from "pino";
import { clusterLinkOf } from "./cluster/worker-link";
import {
  isClusterPrimary,
  stopWhenPrimaryLeaves,
  superviseWorkers,
  workerCount,
  workerLogFields,
} from "./cluster/workers";
import { loadEnv, sandboxLimitsOf } from "./env";
import { gatewayOAuthFrom } from "./oauth/gateway-oauth";
import { startGateway } from "./start-gateway";

const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { service: "gateway", ...workerLogFields() } });
// GATEWAY_WORKERS=auto|N: this process only supervises N gateway processes (cluster/workers.ts).
const workers = workerCount(env.GATEWAY_WORKERS);
if (isClusterPrimary(workers)) {
  await superviseWorkers(workers, logger, {
    ...(env.GATEWAY_METRICS_PORT !== undefined && {
      metrics: { host: env.GATEWAY_HOST, port: env.GATEWAY_METRICS_PORT },
    }),
  });
  process.exit(0);
}
stopWhenPrimaryLeaves();
// A cluster worker answers /metrics and /readyz for the whole gateway (cluster/worker-link.ts);
// with GATEWAY_METRICS_PORT the primary serves /metrics there and the workers do not.
const cluster = clusterLinkOf({ metricsOnGatewayPort: env.GATEWAY_METRICS_PORT === undefined });
// OpenTelemetry is configured by its standard OTEL_* variables alone; unset, the SDK is never loaded.
const tracing = tracingEnabled(process.env)
  ? await (await import("@portcullis/telemetry/start-tracing")).startTracing({
      defaultServiceName: "portcullis-gateway",
      env: process.env,
    })
  : null;
if (tracing) logger.info({}, "OpenTelemetry tracing on (OTLP/HTTP)");

const gateway = await startGateway({
  host: env.GATEWAY_HOST,
  port: env.GATEWAY_PORT,
  allowedHosts: env.GATEWAY_ALLOWED_HOSTS,
  allowedOrigins: env.GATEWAY_ALLOWED_ORIGINS,
  maxBodyBytes: env.GATEWAY_MAX_BODY_BYTES,
  redisUrl: redisSettingsFrom(env),
  names: redisNames(env.REDIS_PREFIX),
  secretKey: secretKeyFrom(env.PORTCULLIS_SECRET_KEY),
  spoolDir: env.GATEWAY_SPOOL_DIR,
  logger,
  tracing: tracing !== null,
  metrics: {
    processMetrics: true,
    ...(env.GATEWAY_METRICS_PORT !== undefined && !cluster && { port: env.GATEWAY_METRICS_PORT }),
  },
  cluster,
  upstream: operatorPolicyFrom(env),
  oauth: gatewayOAuthFrom({
    publicUrl: env.GATEWAY_PUBLIC_URL,
    issuer: env.GATEWAY_OAUTH_ISSUER,
    jwksUrl: env.GATEWAY_OAUTH_JWKS_URL,
  }),
  fastPath: env.GATEWAY_FAST_PATH === "on",
  sandbox: sandboxLimitsOf(env),
  hardening: {
    timeouts: {
      headersTimeoutMs: env.GATEWAY_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.GATEWAY_REQUEST_TIMEOUT_MS,
    },
    maxSnapshotAgeMs: env.GATEWAY_MAX_SNAPSHOT_AGE_MS,
    snapshotFailOpen: env.GATEWAY_SNAPSHOT_FAIL_OPEN,
    unauthenticated: { limit: env.GATEWAY_UNAUTH_LIMIT, windowMs: env.GATEWAY_UNAUTH_WINDOW_MS },
  },
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight calls");
    gateway
      .close(env.GATEWAY_SHUTDOWN_GRACE_MS)
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
  });
}
