import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import type { AuditEvent } from "@portcullis/contracts/audit";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import type { ConfigSnapshot } from "@portcullis/contracts/snapshot";
import { type AuditWorker, startAuditWorker } from "@portcullis/queues/audit-worker";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { type Logger, pino } from "pino";
import { type RunningGateway, startGateway } from "../start-gateway";
import { SnapshotBuilder } from "./snapshot-builder";

export const TEST_SECRET_KEY = secretKeyFrom("gateway-tests-secret-key-0123456789abcdef");

/** What a test gateway differs in; everything else is the same for every test. */
export interface TestGatewayOptions {
  names: RedisNames;
  spoolDir: string;
  redisUrl?: string;
  allowedOrigins?: string[];
  maxBodyBytes?: number;
  logger?: Logger;
  approvals?: Parameters<typeof startGateway>[0]["approvals"];
  metrics?: Parameters<typeof startGateway>[0]["metrics"];
  sandbox?: Parameters<typeof startGateway>[0]["sandbox"];
  /** The operator's outbound policy; default: loopback fixtures and `node`, unsandboxed. */
  upstream?: Parameters<typeof startGateway>[0]["upstream"];
  /** A fixed port (OAuth tests name the gateway's public URL before it starts); default: a free one. */
  port?: number;
  oauth?: Parameters<typeof startGateway>[0]["oauth"];
  /** The lean path for plain tools/call and tools/list (default on). */
  fastPath?: boolean;
  fastPathOptOuts?: Parameters<typeof startGateway>[0]["fastPathOptOuts"];
  /** HTTP timeouts, snapshot age, unauthenticated limits (production defaults otherwise). */
  hardening?: Parameters<typeof startGateway>[0]["hardening"];
}

/**
 * A real gateway on an ephemeral port, reading its snapshot from `names` (polling every
 * 200 ms as a backstop to pub/sub), with the test secret key and a silent logger unless
 * TEST_LOG_LEVEL says otherwise.
 */
export function startTestGateway(options: TestGatewayOptions): Promise<RunningGateway> {
  return startGateway({
    host: "127.0.0.1",
    port: options.port ?? 0,
    allowedHosts: [],
    allowedOrigins: options.allowedOrigins ?? [],
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    redisUrl: options.redisUrl ?? "redis://127.0.0.1:6379",
    names: options.names,
    secretKey: TEST_SECRET_KEY,
    spoolDir: options.spoolDir,
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    snapshotPollMs: 200,
    upstream: options.upstream ?? LOOPBACK_TEST_POLICY,
    ...(options.approvals && { approvals: options.approvals }),
    ...(options.metrics && { metrics: options.metrics }),
    ...(options.sandbox && { sandbox: options.sandbox }),
    ...(options.oauth && { oauth: options.oauth }),
    ...(options.fastPath !== undefined && { fastPath: options.fastPath }),
    ...(options.fastPathOptOuts && { fastPathOptOuts: options.fastPathOptOuts }),
    ...(options.hardening && { hardening: options.hardening }),
  });
}

export interface GatewayHarness {
  names: RedisNames;
  redis: Redis;
  gateway: RunningGateway;
  builder: SnapshotBuilder;
  /** Audit events delivered through the real BullMQ queue, as the worker would receive them. */
  events: AuditEvent[];
  /** Publishes the builder's current state (or a given document) as the next version. */
  publish(doc?: ConfigSnapshot | string): Promise<number>;
  waitForEvents(predicate: (events: AuditEvent[]) => boolean, timeoutMs?: number): Promise<AuditEvent[]>;
  close(): Promise<void>;
}

/**
 * Starts a real gateway in-process against real Redis (a private key prefix), with a real
 * BullMQ audit consumer collecting events. Configure the builder, then `publish()`.
 */
export async function startGatewayHarness(
  options: {
    redisUrl?: string;
    configure?: (b: SnapshotBuilder) => void | Promise<void>;
    maxBodyBytes?: number;
    allowedOrigins?: string[];
    /** The gateway's logger (default: silent, or TEST_LOG_LEVEL), for tests that read the logs. */
    logger?: Logger;
    /** The operator's outbound policy (default: loopback fixtures and `node`, unsandboxed). */
    upstream?: TestGatewayOptions["upstream"];
    port?: number;
    oauth?: TestGatewayOptions["oauth"];
    fastPathOptOuts?: TestGatewayOptions["fastPathOptOuts"];
    hardening?: TestGatewayOptions["hardening"];
    approvals?: TestGatewayOptions["approvals"];
  } = {},
): Promise<GatewayHarness> {
  const redisUrl = options.redisUrl ?? "redis://127.0.0.1:6379";
  const names = testRedisNames("gw");
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  const builder = new SnapshotBuilder(TEST_SECRET_KEY);
  let version = 0;
  const publish = async (doc?: ConfigSnapshot | string): Promise<number> => {
    version += 1;
    const text = typeof doc === "string" ? doc : JSON.stringify(doc ?? builder.build(version));
    // Through the control plane's own writer, so gateway tests read what it publishes.
    await writeSnapshotToRedis(redis, names, version, text, TEST_SECRET_KEY);
    return version;
  };
  if (options.configure) {
    await options.configure(builder);
    await publish();
  }

  const spoolDir = await mkdtemp(join(tmpdir(), "pc-gw-spool-"));
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const gateway = await startTestGateway({
    names,
    spoolDir,
    redisUrl,
    logger,
    ...(options.allowedOrigins && { allowedOrigins: options.allowedOrigins }),
    ...(options.maxBodyBytes && { maxBodyBytes: options.maxBodyBytes }),
    ...(options.upstream && { upstream: options.upstream }),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.oauth && { oauth: options.oauth }),
    ...(options.fastPathOptOuts && { fastPathOptOuts: options.fastPathOptOuts }),
    ...(options.hardening && { hardening: options.hardening }),
    ...(options.approvals && { approvals: options.approvals }),
  });

  const events: AuditEvent[] = [];
  const worker: AuditWorker = startAuditWorker({
    redis: { url: redisUrl },
    names,
    handler: async (batch) => {
      events.push(...batch);
    },
  });
  await worker.ready();

  return {
    names,
    redis,
    gateway,
    builder,
    events,
    publish,
    async waitForEvents(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline)
          throw new Error(`audit events did not arrive in ${timeoutMs} ms (have ${events.length})`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return events;
    },
    async close() {
      await gateway.close(2_000);
      await worker.close();
      await cleanupRedisPrefix(redis, names.prefix);
      redis.disconnect();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the gateway serves at least `version`. */
export async function waitForVersion(
  gateway: RunningGateway,
  version: number,
  timeoutMs = 2_000,
): Promise<number> {
  const started = Date.now();
  while ((gateway.store.current()?.version ?? -1) < version) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`gateway did not load snapshot ${version} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}
