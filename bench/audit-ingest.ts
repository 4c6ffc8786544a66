/**
 * Audit ingest: can the worker keep up with a busy gateway? Two phases against the real
 * worker process (apps/worker), a private redis-server and a fresh Postgres database:
 *
 *  1. sustained: gateways' audit sinks record BENCH_RATE events/s (default 2,000, one per
 *     tools/call) for BENCH_SECONDS (default 60); every second prints the ingest rate,
 *     the queue depth (jobs waiting or running) and the events not yet acknowledged;
 *  2. capacity: with the worker stopped, BENCH_BURST events (default 60,000) are queued,
 *     then the worker is started and the time to drain them gives its ingest rate.
 *
 * Ends by checking that every event sent is stored (none lost; duplicates are impossible,
 * the id is the primary key) and that the hash chain verifies. Each phase prints the CPU the
 * worker and its Postgres backends spent per event; BENCH_WORKER_PROFILE=<dir> makes the
 * worker write a CPU profile there.
 *
 *   node --import tsx bench/audit-ingest.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { newId } from "@portcullis/contracts/ids";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { verifyAuditChain } from "@portcullis/control/audit/chain/verify-audit-chain";
import { auditJobKey } from "@portcullis/queues/audit-job-mac";
import { AuditSink } from "@portcullis/queues/audit-sink";
import { createTestDatabase } from "@portcullis/testkit/db";
import { startRedisServer } from "@portcullis/testkit/redis-server";
import { Redis } from "ioredis";
import {
  BENCH_SECRET,
  benchEvent,
  cpuSeconds,
  missingIds,
  queueDepth,
  startWorkerProcess,
  stopProcess,
  storedEvents,
  WORKER_APP_NAME,
} from "./lib/audit-rig";

const RATE = Number(process.env.BENCH_RATE ?? 2_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const BURST = Number(process.env.BENCH_BURST ?? 60_000);
const GATEWAYS = Number(process.env.BENCH_GATEWAYS ?? 2);
const TICK_MS = 10;

/**
 * CPU seconds of the Postgres backends serving the worker (named by PGAPPNAME, so neither
 * the bench's own counting queries nor other databases count). Backends are remembered
 * once seen, so one closed by its pool keeps counting what it used until it was seen last.
 */
const backendCpu = new Map<number, number>();
async function postgresCpu(): Promise<number> {
  const rows = await database.db.$queryRaw<Array<{ pid: number }>>`
    select pid from pg_stat_activity
     where datname = current_database() and application_name = ${WORKER_APP_NAME}`;
  for (const { pid } of rows) {
    const seconds = cpuSeconds(Number(pid));
    if (!Number.isNaN(seconds)) backendCpu.set(Number(pid), seconds);
  }
  return [...backendCpu.values()].reduce((a, b) => a + b, 0);
}

const log = (m: string) => process.stdout.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const [redisServer, database] = await Promise.all([
  startRedisServer(),
  createTestDatabase({ name: "bench_audit_ingest" }),
]);
const prefix = `bench-ingest-${newId("request").slice(-8)}`;
const names = redisNames(prefix);
const redis = new Redis(redisServer.url);
const spoolDir = await mkdtemp(join(tmpdir(), "pc-bench-spool-"));
const orgId = newId("organization");
const sent: string[] = [];
const macKey = auditJobKey(secretKeyFrom(BENCH_SECRET));
const sinks = Array.from(
  { length: GATEWAYS },
  () => new AuditSink({ redis: { url: redisServer.url }, names, spoolDir, macKey }),
);
const workerEnv = { databaseUrl: database.url, redisUrl: redisServer.url, prefix };
let worker = startWorkerProcess(workerEnv);

try {
  await database.db.organization.create({ data: { id: orgId, name: "Bench", slug: `bench-${orgId}` } });
  await worker.started;

  // Phase 1: sustained load, spread over the gateways' sinks as the load balancer would.
  log(
    `sustained: ${RATE} events/s from ${GATEWAYS} gateways for ${SECONDS} s (load average ${loadavg()[0]!.toFixed(1)})`,
  );
  log("    t  sent/s  stored/s  queue depth (jobs)  unacked events");
  const started = performance.now();
  const workerCpuStart = cpuSeconds(worker.child.pid);
  const postgresCpuStart = await postgresCpu();
  let next = 0;
  let lastStored = 0;
  let lastSent = 0;
  let maxDepth = 0;
  const rates: number[] = [];
  let nextReport = started + 1000;
  while (performance.now() - started < SECONDS * 1000) {
    // As many events as the rate owes by now, whatever the timers' jitter.
    const owed = Math.floor((RATE * (performance.now() - started)) / 1000) - sent.length;
    for (let i = 0; i < owed; i++) {
      const event = benchEvent(orgId);
      sent.push(event.id);
      sinks[next++ % sinks.length]!.record(event);
    }
    if (performance.now() >= nextReport) {
      const stored = await storedEvents(database.db);
      await postgresCpu(); // sample the backends while they are alive
      const depth = await queueDepth(redis, names);
      const unacked = sinks.reduce((n, sink) => n + sink.stats().unacked, 0);
      maxDepth = Math.max(maxDepth, depth);
      rates.push(stored - lastStored);
      log(
        `${String(Math.round((performance.now() - started) / 1000)).padStart(5)}  ${String(sent.length - lastSent).padStart(6)}  ${String(stored - lastStored).padStart(8)}  ${String(depth).padStart(18)}  ${String(unacked).padStart(14)}`,
      );
      lastStored = stored;
      lastSent = sent.length;
      nextReport += 1000;
    }
    await sleep(TICK_MS);
  }
  const loadSeconds = (performance.now() - started) / 1000;
  await Promise.all(sinks.map((sink) => sink.flush()));
  const drainStarted = performance.now();
  while ((await storedEvents(database.db)) < sent.length && performance.now() - drainStarted < 60_000)
    await sleep(50);
  const workerCpu = cpuSeconds(worker.child.pid) - workerCpuStart;
  const sustainedPostgresCpu = (await postgresCpu()) - postgresCpuStart;
  const sustainedStored = await storedEvents(database.db);
  log(
    `sustained: sent ${sent.length} in ${loadSeconds.toFixed(1)} s (${Math.round(sent.length / loadSeconds)}/s), ` +
      `stored ${sustainedStored}, drained ${((performance.now() - drainStarted) / 1000).toFixed(1)} s after the load stopped, ` +
      `max queue depth ${maxDepth} jobs, worker CPU ${((workerCpu / sustainedStored) * 1e6).toFixed(0)} µs/event, ` +
      `Postgres CPU ${((sustainedPostgresCpu / sustainedStored) * 1e6).toFixed(0)} µs/event`,
  );

  // Phase 2: capacity. Queue a backlog with the worker stopped, then time how fast it drains.
  await stopProcess(worker.child);
  const before = sustainedStored;
  for (let i = 0; i < BURST; i++) {
    const event = benchEvent(orgId);
    sent.push(event.id);
    sinks[i % sinks.length]!.record(event);
    if (i % 2_000 === 0) await sleep(0); // let the sinks' flush timers run
  }
  await Promise.all(sinks.map((sink) => sink.flush()));
  const backlog = await queueDepth(redis, names);
  worker = startWorkerProcess(workerEnv);
  await worker.started;
  const burstStarted = performance.now();
  const cpuBurstStart = cpuSeconds(worker.child.pid);
  const postgresBurstStart = await postgresCpu();
  let polls = 0;
  while ((await storedEvents(database.db)) < before + BURST && performance.now() - burstStarted < 120_000) {
    if (++polls % 25 === 0) await postgresCpu();
    await sleep(20);
  }
  const burstSeconds = (performance.now() - burstStarted) / 1000;
  const burstCpu = cpuSeconds(worker.child.pid) - cpuBurstStart;
  const burstPostgresCpu = (await postgresCpu()) - postgresBurstStart;
  const burstStored = (await storedEvents(database.db)) - before;
  log(
    `capacity: ${burstStored} queued events (${backlog} jobs) stored in ${burstSeconds.toFixed(2)} s = ` +
      `${Math.round(burstStored / burstSeconds)} events/s, worker CPU ${((burstCpu / burstStored) * 1e6).toFixed(0)} µs/event, ` +
      `Postgres CPU ${((burstPostgresCpu / burstStored) * 1e6).toFixed(0)} µs/event`,
  );

  const missing = await missingIds(database.db, sent);
  const chain = await verifyAuditChain(database.db, orgId);
  log(
    `check: sent ${sent.length}, lost ${missing}, duplicates 0 (primary key), chain ${chain.ok ? "verifies" : `BROKEN at ${chain.firstBrokenId}`} (${chain.checked} events)`,
  );
  const sorted = [...rates].sort((a, b) => a - b);
  log(
    `summary: sustained ${RATE}/s for ${SECONDS} s → median ingest ${sorted[Math.floor(sorted.length / 2)] ?? 0}/s, ` +
      `max queue depth ${maxDepth}; capacity ${Math.round(burstStored / burstSeconds)} events/s ` +
      `(load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`,
  );
  if (missing > 0 || !chain.ok) process.exitCode = 1;
} finally {
  await Promise.all(sinks.map((sink) => sink.close()));
  await stopProcess(worker.child);
  redis.disconnect();
  await Promise.all([redisServer.close(), database.drop()]);
  await rm(spoolDir, { recursive: true, force: true });
}
