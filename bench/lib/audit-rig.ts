import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import type { Db } from "@portcullis/db/client";
import type { Redis } from "ioredis";
import { root } from "./processes";

/** Shared by the audit benches: the real worker process, and what to read off it. */

export const BENCH_SECRET = "bench-secret-key-0123456789abcdef0123456789";

/** The worker's Postgres connections carry this application_name (PGAPPNAME), to find their backends. */
export const WORKER_APP_NAME = "portcullis-bench-worker";

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves when the worker says it started. */
  started: Promise<void>;
}

/** Starts apps/worker as production does (its own process), on the given database and Redis. */
export function startWorkerProcess(env: {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
}): WorkerProcess {
  // BENCH_WORKER_PROFILE=<dir>: the worker writes a CPU profile there when it stops.
  const profile = process.env.BENCH_WORKER_PROFILE;
  const profiling = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...profiling, "--import", "tsx", `${root}apps/worker/src/main.ts`], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.prefix,
      PORTCULLIS_SECRET_KEY: BENCH_SECRET,
      AUDIT_RETENTION_DAYS: "0",
      LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? "info",
      PGAPPNAME: WORKER_APP_NAME,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const started = new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      output = (output + data.toString()).slice(-8_000);
      if (output.includes('"worker started"')) resolve();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`worker exited (${code ?? signal}): ${output}`)));
  });
  started.catch(() => {});
  return { child, started };
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

/** Jobs waiting or running in the audit queue (each a batch of events). */
export async function queueDepth(redis: Redis, names: RedisNames): Promise<number> {
  const base = `${names.bullPrefix}:${QUEUES.audit}`;
  const [wait, active, delayed, prioritized] = await Promise.all([
    redis.llen(`${base}:wait`),
    redis.llen(`${base}:active`),
    redis.zcard(`${base}:delayed`),
    redis.zcard(`${base}:prioritized`),
  ]);
  return wait + active + delayed + prioritized;
}

export async function storedEvents(db: Db): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM audit_events`;
  return Number(row?.n ?? 0);
}

/** Ids stored more than once cannot exist (primary key); ids sent and not stored can. */
export async function missingIds(db: Db, ids: readonly string[]): Promise<number> {
  let missing = 0;
  for (let i = 0; i < ids.length; i += 10_000) {
    const slice = ids.slice(i, i + 10_000);
    const [row] = await db.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM unnest(${slice}::text[]) AS s(id)
       WHERE NOT EXISTS (SELECT 1 FROM audit_events e WHERE e.id = s.id)`;
    missing += Number(row?.n ?? 0);
  }
  return missing;
}

/** A tools/call event as the gateway records it (64-byte arguments). */
export function benchEvent(orgId: string): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date().toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_bench",
    agentName: "bench-agent",
    teamId: null,
    userId: null,
    serverId: "srv_bench",
    serverName: "echo",
    toolName: "echo__echo",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { text: "x".repeat(64) },
    resultSummary: "ok",
    isError: false,
    latencyMs: 0.8,
    upstreamLatencyMs: 0.4,
    upstreamStatus: "ok",
    protocolVersion: "2025-06-18",
    snapshotVersion: 1,
  };
}
