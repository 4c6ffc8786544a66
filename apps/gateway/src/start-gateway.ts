import type { AddressInfo } from "node:net";
import { createMcpHandler } from "@modelcontextprotocol/server";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { auditJobKey } from "@portcullis/queues/audit-job-mac";
import { AuditSink } from "@portcullis/queues/audit-sink";
import { createRedisClient, type RedisTarget, redisConnectionOptions } from "@portcullis/queues/redis-config";
import { UpstreamPool, type UpstreamPoolOptions } from "@portcullis/upstream/pool";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { type ApprovalStageOptions, createApprovalStage } from "./approvals/create-approval-stage";
import { recordStdioLaunch } from "./audit/audit-recorder";
import { recordGatewayEvent } from "./audit/gateway-events";
import type { ClusterLink } from "./cluster/worker-link";
import type { SandboxLimits } from "./context/sandbox-limits";
import type { FastPathOptOut } from "./fast-path/eligibility";
import { createFastPath, type FastPath } from "./fast-path/fast-path";
import { featureOptOuts } from "./fast-path/feature-opt-outs";
import { refusingChannelFor } from "./fast-path/refusing-channel";
import {
  DEFAULT_MAX_SNAPSHOT_AGE_MS,
  DEFAULT_UNAUTHENTICATED,
  type GatewayHardening,
  UnauthenticatedGuard,
} from "./http/hardening";
import { buildHostOriginPolicy } from "./http/host-origin";
import { createGatewayHttpServer } from "./http/http-server";
import { handleMcpRequest, type McpEndpointDeps } from "./http/mcp-endpoint";
import { PassthroughPeers } from "./mcp/passthrough-peers";
import { clientRequestRulesFor } from "./mcp/passthrough-rules";
import { createPassthroughState, loadLogLevels } from "./mcp/passthrough-state";
import { GatewayTasks } from "./mcp/passthrough-tasks";
import { ScopedEventBus } from "./mcp/scoped-event-bus";
import { createServerFactory } from "./mcp/server-factory";
import type { GatewayOAuth } from "./oauth/authenticate-caller";
import { lastUseRecorder } from "./oauth/last-use";
import { GatewayMetrics } from "./observability/metrics";
import { startMetricsServer } from "./observability/metrics-server";
import { GatewayTracing } from "./observability/tracing";
import type { CallToolStages } from "./pipeline/call-tool";
import { createDlpStage } from "./pipeline/dlp-stage";
import { createRateLimitStage } from "./pipeline/rate-limit-stage";
import { SessionHttp } from "./sessions/session-http";
import { SnapshotStore } from "./snapshot/snapshot-store";

export const GATEWAY_VERSION = "0.1.0";

export interface GatewayConfig {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  allowedHosts: string[];
  allowedOrigins: string[];
  maxBodyBytes: number;
  redisUrl: RedisTarget;
  names: RedisNames;
  secretKey: Buffer;
  spoolDir: string;
  logger: Logger;
  snapshotPollMs?: number;
  /** The operator's SSRF allowlist and stdio launch policy (PORTCULLIS_OUTBOUND_ALLOW, PORTCULLIS_STDIO_*). */
  upstream?: Omit<UpstreamPoolOptions, "onLaunch">;
  /** Approval waits: progress interval, expiry grace (tests shorten them). */
  approvals?: Pick<ApprovalStageOptions, "progressIntervalMs" | "expiryGraceMs">;
  /**
   * Prometheus metrics: on the gateway's own port at /metrics, or (with `port`) on a port of
   * their own; `processMetrics` adds Node's process metrics (main.ts; tests leave them out).
   */
  metrics?: { port?: number; processMetrics?: boolean };
  /**
   * Emit OpenTelemetry spans through the globally registered SDK (main.ts registers it when
   * the OTEL_* variables ask for traces). Off: no tracing code runs per request.
   */
  tracing?: boolean;
  /** Code mode's sandbox bounds (default: context/sandbox-limits.ts; tests tighten them). */
  sandbox?: Partial<SandboxLimits>;
  /** People's OAuth tokens (GATEWAY_PUBLIC_URL + the console's AS); absent: agent keys only. */
  oauth?: GatewayOAuth;
  /** Serve plain tools/call and tools/list on the lean path (fast-path/). Default true. */
  fastPath?: boolean;
  /** Requests the lean path must leave to the SDK (features it does not serve add theirs). */
  fastPathOptOuts?: FastPathOptOut[];
  /** Under GATEWAY_WORKERS=N: this worker's link to the primary, for cluster-wide /metrics and /readyz. */
  cluster?: ClusterLink | null;
  /** HTTP timeouts, maximum snapshot age, unauthenticated limits (#10 point 12). */
  hardening?: GatewayHardening;
}

export interface RunningGateway {
  url: string;
  port: number;
  store: SnapshotStore;
  pool: UpstreamPool;
  audit: AuditSink;
  metrics: GatewayMetrics;
  /** The lean path (absent when off, or with tracing on). */
  fastPath: FastPath | undefined;
  /** The port /metrics is served on (the gateway's own unless configured apart). */
  metricsPort: number;
  /** Graceful: stop accepting, finish in-flight calls, flush audit, close upstreams. */
  close(graceMs?: number): Promise<void>;
}

/** Wires the gateway together and starts listening. Used by main.ts and by tests in-process. */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const { logger } = config;
  // Fail fast on commands while Redis is down so the snapshot poll never piles up.
  const redisOptions = {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  };
  const redis = createRedisClient(config.redisUrl, redisOptions);
  const subscriber = createRedisClient(config.redisUrl, {
    ...redisOptions,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
  });
  for (const conn of [redis, subscriber]) conn.on("error", () => undefined); // state is reported by readiness
  // Give Redis a moment to connect so the first snapshot loads before we listen; if it is
  // down, start anyway (not ready) and pick the snapshot up when it comes back.
  await waitUntilReady(redis, 3_000);

  const tracing = config.tracing ? new GatewayTracing(GATEWAY_VERSION) : null;
  const pool = new UpstreamPool({
    clientInfo: { name: "portcullis-gateway", version: GATEWAY_VERSION },
    logger,
    ...tracing?.upstreamHooks(),
    ...config.upstream,
    onLaunch: (launch) => {
      // Every stdio process the gateway starts is audited, with the command line it ran.
      const snapshot = store.current();
      recordStdioLaunch(audit, launch, {
        orgId: snapshot?.serversById.get(launch.serverId)?.orgId ?? null,
        snapshotVersion: snapshot?.version ?? null,
      });
    },
  });
  const audit = new AuditSink({
    redis: redisConnectionOptions(config.redisUrl),
    names: config.names,
    spoolDir: config.spoolDir,
    // Signed: a worker holding the key refuses audit jobs forged in Redis.
    macKey: auditJobKey(config.secretKey),
    logger,
  });
  // Its own fail-fast Redis connection: a down Redis must not stall calls (see rate-limit/limit-store.ts).
  const rateLimit = createRateLimitStage({ redisUrl: config.redisUrl, names: config.names, logger });
  const approval = createApprovalStage({
    redis,
    redisUrl: config.redisUrl,
    names: config.names,
    logger,
    secretKey: config.secretKey,
    // Someone wrote a decision into Redis without the installation key: audited, never obeyed.
    onForgedDecision: (approvalId) =>
      recordGatewayEvent(audit, {
        method: "gateway/approval-decision-refused",
        decision: "denied",
        reason: "approval decision in Redis has a missing or invalid MAC; ignored",
        approvalId,
        snapshotVersion: store.current()?.version ?? null,
      }),
    ...config.approvals,
  });
  const metrics = new GatewayMetrics(
    // Read at scrape time only, once the store below exists.
    { snapshot: () => store.current(), audit: () => audit.stats(), spoolDir: config.spoolDir },
    { processMetrics: config.metrics?.processMetrics ?? false },
  );
  // Every request ends in exactly one audit event: metrics count it there.
  const counted = metrics.countingSink(audit);
  const recorder = tracing ? tracing.describingSink(counted) : counted;
  const plainStages: CallToolStages = {
    rateLimit,
    dlp: createDlpStage({ logger }),
    approval: metrics.countingApprovals(approval),
  };
  const stages = tracing ? tracing.tracedStages(plainStages) : plainStages;
  // Conversations a client continues on another replica reach the process running the call.
  const peers = new PassthroughPeers(redis, subscriber, config.names, logger);
  // Not awaited (Redis may be down at start): its SUBSCRIBE goes out before the snapshot
  // store's, so once that store has started, this process hears its peers.
  void peers.start().catch((err) => logger.warn({ err: String(err) }, "passthrough peers: not linked"));
  const passthrough = createPassthroughState(peers);
  // Fixed for the process's life: judged once, not per lean call (it parses a URL each time).
  const clientRequestRules = clientRequestRulesFor(config.upstream?.outbound);
  const sessions = new SessionHttp(redis, config.names, logger);
  // Listen streams are tagged with their agent, so resource updates reach only who subscribed.
  const bus = new ScopedEventBus();
  const tasks = new GatewayTasks(redis, config.names, logger, peers);
  const factory = createServerFactory({
    pool,
    stages,
    logger,
    version: GATEWAY_VERSION,
    audit: recorder,
    passthrough,
    clientRequestRules,
    bus,
    sessions: sessions.store,
    tasks,
    ...(config.sandbox && { sandbox: config.sandbox }),
  });
  // Tracing wraps the SDK path's stages and handlers; with it on, every request takes that path.
  const fastPath =
    config.fastPath !== false && !tracing
      ? createFastPath({
          pool,
          stages,
          logger,
          version: GATEWAY_VERSION,
          maxBodyBytes: config.maxBodyBytes,
          // Portals, search/code exposures and calls that may need the client's answers take the SDK path.
          optOuts: [...featureOptOuts(passthrough), ...(config.fastPathOptOuts ?? [])],
          channelFor: (call, notify) =>
            refusingChannelFor(
              {
                relay: passthrough.relay,
                audit: recorder,
                dlp: stages.dlp,
                logger,
                rules: clientRequestRules,
              },
              call,
              notify,
            ),
        })
      : undefined;
  const mcp = createMcpHandler(factory, {
    legacy: "stateless",
    bus,
    maxRequestBodySize: config.maxBodyBytes,
    onerror: (err) => logger.debug({ err: err.message }, "mcp handler reported"),
  });

  const store = new SnapshotStore({
    redis,
    subscriber,
    names: config.names,
    secretKey: config.secretKey,
    logger,
    pollMs: config.snapshotPollMs,
    // A version not signed with our key (or unparseable) is refused and audited; the last good one stays.
    onRefused: ({ version, reason, held }) =>
      recordGatewayEvent(audit, {
        method: "gateway/snapshot-refused",
        decision: "denied",
        reason: `snapshot version ${version} refused: ${reason}`,
        summary: `kept version ${held ?? "none"}`,
        snapshotVersion: held,
      }),
    onSwap: (next, previous) => {
      void pool
        .retain(next.activeServerSpecs())
        .catch((err) => logger.warn({ err: String(err) }, "pool retain failed"));
      // Modern clients listening for changes re-list; the view may have changed.
      if (previous) mcp.notify.toolsChanged();
      // 2025-era clients with a session hear it on their GET stream, whichever replica holds it.
      if (previous) void sessions.toolsChanged(next.version).catch(() => undefined);
      // Resource subscriptions were decided on the old grants: decide them again.
      passthrough.subscriptions?.revalidate(next);
    },
  });
  await store.start();
  await loadLogLevels(passthrough, logger);

  const oauth = config.oauth
    ? { ...config.oauth, onUse: lastUseRecorder(redis, config.names, logger) }
    : null;
  const hardening = config.hardening ?? {};
  const freshness = {
    maxAgeMs: hardening.maxSnapshotAgeMs ?? DEFAULT_MAX_SNAPSHOT_AGE_MS,
    failOpen: hardening.snapshotFailOpen ?? false,
  };
  // One audit event per window for every unauthenticated request, not one each.
  const unauthenticated = new UnauthenticatedGuard({
    ...(hardening.unauthenticated ?? DEFAULT_UNAUTHENTICATED),
    onSummary: (s) =>
      recordGatewayEvent(audit, {
        method: "gateway/unauthenticated",
        decision: "unauthenticated",
        reason: `${s.total} unauthenticated requests in ${Math.round(s.windowMs / 1000)} s from ${s.addresses.length} address(es), ${s.limited} answered 429`,
        summary: JSON.stringify(s.addresses),
        snapshotVersion: store.current()?.version ?? null,
      }),
  });

  const endpointDeps: McpEndpointDeps = {
    mcp,
    store,
    audit: recorder,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    passthrough,
    sessions,
    oauth,
    freshness,
    unauthenticated,
    ...(tracing && { onMessage: (message) => tracing.onMessage(message) }),
    ...(fastPath && { fastPath }),
  };

  const link = config.cluster ?? null;
  const hostOrigin = buildHostOriginPolicy(config.port, config.allowedHosts, config.allowedOrigins);
  const http = createGatewayHttpServer({
    hostOrigin,
    logger,
    mcpPath: "/mcp",
    protectedResource: config.oauth?.resource ?? null,
    readiness: () => {
      const snap = store.current();
      const reasons: string[] = [];
      if (!snap) reasons.push("no configuration snapshot loaded yet");
      if (store.lastError) reasons.push(store.lastError);
      if (snap && !freshness.failOpen && store.ageMs() > freshness.maxAgeMs)
        reasons.push("snapshot older than the maximum age: calls are refused");
      return { ready: snap !== null, reasons, snapshotVersion: snap?.version ?? null };
    },
    // The endpoint's dependencies are the same for every request: built once, not per call.
    handleMcp: tracing
      ? (req, res) => tracing.traceRequest(req, () => handleMcpRequest(endpointDeps, req, res))
      : (req, res) => handleMcpRequest(endpointDeps, req, res),
    ...(link && { clusterReadiness: () => link.readiness() }),
    // In a cluster, /metrics on this port is the whole gateway's, unless the primary serves it.
    ...(config.metrics?.port === undefined &&
      (link ? link.metrics && { metrics: link.metrics } : { metrics: () => metrics.exposition() })),
    ...(hardening.timeouts && { timeouts: hardening.timeouts }),
  });
  link?.attach({
    readiness: () => http.readiness(),
    metrics: () => metrics.registry.getMetricsAsJSON(),
  });
  await new Promise<void>((resolve, reject) => {
    http.server.once("error", reject);
    http.server.listen(config.port, config.host, () => resolve());
  });
  const port = (http.server.address() as AddressInfo).port;
  // With port 0 the real port is known only now; the allowlist names it.
  Object.assign(hostOrigin, buildHostOriginPolicy(port, config.allowedHosts, config.allowedOrigins));
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/mcp`;
  const metricsServer =
    config.metrics?.port === undefined
      ? null
      : await startMetricsServer({
          host: config.host,
          port: config.metrics.port,
          expose: () => metrics.exposition(),
          logger,
        });
  const metricsPort = metricsServer?.port ?? port;
  logger.info({ url, metricsPort, snapshotVersion: store.current()?.version ?? null }, "gateway listening");

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    store,
    pool,
    audit,
    metrics,
    fastPath,
    metricsPort,
    close(graceMs = 30_000) {
      closing ??= (async () => {
        // First: calls waiting for a person are told to retry (their approval stays pending),
        // so they do not hold the drain for the whole grace.
        await stages.approval.close();
        // Session streams are long-lived: end them so the drain does not wait the whole grace
        // (their clients reconnect to another replica and resume with Last-Event-ID).
        sessions.close();
        const { abandoned } = await http.drain(graceMs);
        tasks.abandonRunning();
        if (abandoned > 0) logger.warn({ abandoned }, "shutdown grace elapsed with requests in flight");
        await mcp.close();
        await fastPath?.close();
        await store.close();
        await metricsServer?.close();
        unauthenticated.close();
        await audit.close();
        await pool.close();
        await stages.rateLimit.close();
        await peers.close();
        redis.disconnect();
        subscriber.disconnect();
        logger.info("gateway stopped");
      })();
      return closing;
    },
  };
}

function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    redis.once("ready", done);
    function done() {
      clearTimeout(timer);
      redis.off("ready", done);
      resolve();
    }
  });
}
