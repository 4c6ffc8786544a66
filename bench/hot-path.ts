/**
 * The data-plane hot path: one `tools/call` (a 64-byte echo) direct to a minimal node:http
 * upstream and through the gateway, in one run, with grants, DLP (all detectors, both
 * directions), one rate limit and audit on, and the worker writing audit events to Postgres.
 * Prints p50/p99 at concurrency 1, calls/s at concurrency 32, the ratio, and the CPU each of
 * gateway, worker and Postgres spent per call (from /proc). With GATEWAY_WORKERS unset it
 * also measures a gateway running one process per core.
 *
 *   pnpm bench:hot   (env: BENCH_CALLS=3000 BENCH_SECONDS=5 BENCH_CONCURRENCY=32 BENCH_PROFILE=1)
 *
 * It also measures bench/bare-forwarder-server.ts (skip with BENCH_FLOOR=0): the floor a Node.js
 * gateway starts from on this machine, whatever it does per call.
 * The gateway and the worker run as production runs them: compiled by `pnpm build` (the bench
 * builds first) and started with `node --enable-source-maps apps/<app>/dist/main.js`;
 * BENCH_SOURCES=1 runs their TypeScript sources under the tsx loader instead.
 * BENCH_GATEWAY_NODE_ARGS adds node flags to the gateway's (e.g. `--max-semi-space-size=64`).
 * BENCH_NO_DLP=1 / BENCH_NO_RL=1 leave the DLP / rate-limit policy out (what each costs).
 * BENCH_PROFILE=1 runs the gateway under `node --cpu-prof` (profiles land in bench/profiles/).
 * BENCH_UPSTREAM picks the upstream: `minimal` (the default, 2025-11-25), `2026` (the same
 * minimal server speaking 2026-07-28) or `v2` (the v2 SDK's own server, 2026-07-28): the
 * gateway then calls a 2026-07-28 upstream (packages/upstream/src/lean-call-2026.ts).
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { configFile } from "@portcullis/contracts/config-file";
import { randomToken } from "@portcullis/contracts/ids";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import { createTestDatabase } from "@portcullis/testkit/db";
import { freePort } from "@portcullis/testkit/ports";
import { cleanupRedisPrefix } from "@portcullis/testkit/redis";
import { createOutboundGuard } from "@portcullis/upstream/outbound-guard";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { Redis } from "ioredis";
import { LeanMcpClient } from "./lib/lean-client";
import { cpuSecondsOf, cpuSecondsOfAll, processTree } from "./lib/proc-cpu";
import { root, startBuilt, startService, stop, waitForHttp } from "./lib/processes";
import { fmt, measureThroughput, percentile } from "./lib/stats";

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PROFILE = process.env.BENCH_PROFILE === "1";
/** Run the gateway and worker from their TypeScript sources (tsx) instead of `pnpm build`'s output. */
const SOURCES = process.env.BENCH_SOURCES === "1";
const SECRET = `bench-secret-${randomToken(32)}`;
/** 64 bytes, echoed back: DLP scans it both ways. */
const MESSAGE = "hello from the hot-path bench, sixty-four bytes of plain text ok.".slice(0, 64);

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const names = redisNames(`pcbench:${randomToken(8)}`);
const redis = new Redis({ maxRetriesPerRequest: 1 });
const database = await createTestDatabase({ name: "bench_hot" });
const UPSTREAM = (process.env.BENCH_UPSTREAM ?? "minimal") as "minimal" | "2026" | "v2";
const upstreamPort = await freePort();
const urlFile = join(mkdtempSync(join(tmpdir(), "pcbench-v2-")), "url");
const upstream =
  UPSTREAM === "v2"
    ? startService("upstream", "bench/v2-upstream-server.ts", { URL_FILE: urlFile })
    : startService("upstream", "bench/minimal-upstream-server.ts", {
        PORT: String(upstreamPort),
        REVISION: UPSTREAM === "2026" ? "2026-07-28" : "2025-11-25",
      });
const running: ReturnType<typeof startService>[] = [upstream];
const upstreamUrl = UPSTREAM === "v2" ? await urlOf(urlFile) : `http://127.0.0.1:${upstreamPort}/mcp`;
/** What the upstream's echo answers (the v2 fixture prefixes it). */
const ECHOED = UPSTREAM === "v2" ? `echo: ${MESSAGE}` : MESSAGE;

/** CPU seconds of the backends serving this bench's database (other databases share the server). */
async function postgresCpu(): Promise<number> {
  const rows = await database.db.$queryRaw<Array<{ pid: number }>>`
    select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
  return cpuSecondsOfAll(rows.map((r) => Number(r.pid)));
}

/**
 * Direct and gateway measured interleaved (a call of one, then of the other; throughput in
 * alternating half-second slices), so both see the same load on a shared machine.
 */
async function sequentialPair(a: () => Promise<unknown>, b: () => Promise<unknown>) {
  for (let i = 0; i < 300; i++) await Promise.all([a(), b()]);
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    let t = performance.now();
    await a();
    sa.push(performance.now() - t);
    t = performance.now();
    await b();
    sb.push(performance.now() - t);
  }
  return [sa.sort((x, y) => x - y), sb.sort((x, y) => x - y)] as const;
}

async function throughputPair(a: () => Promise<unknown>, b: () => Promise<unknown>) {
  let ra = 0;
  let rb = 0;
  const slices = Math.max(1, SECONDS * 2);
  for (let i = 0; i < slices; i++) {
    ra += await measureThroughput(a, CONCURRENCY, 500);
    rb += await measureThroughput(b, CONCURRENCY, 500);
  }
  return [ra / slices, rb / slices] as const;
}

try {
  await waitForHttp(upstreamUrl, 30_000, "POST");
  log("configuring through the control plane");
  const actor = { type: "cli" as const, name: "bench" };
  const guardedPool = new UpstreamPool({ outbound: createOutboundGuard(["127.0.0.1"]) });
  await applyAndPublish(
    { db: database.db, redis, names, pool: guardedPool, secretKey: secretKeyFrom(SECRET) },
    configFile.parse({
      // A server that may not ask the client anything: a 2025 client's call to one that may
      // (elicitation is on by default) leaves the lean path (fast-path/feature-opt-outs.ts).
      servers: [{ name: "fast", transport: "streamable-http", url: upstreamUrl, allowElicitation: false }],
      teams: [{ name: "bench" }],
      agents: [{ name: "bench-agent", team: "bench" }],
      grants: [{ team: "bench", server: "fast", tools: ["echo"], effect: "allow" }],
      policies: [
        ...(process.env.BENCH_NO_DLP
          ? []
          : [
              {
                name: "dlp-all",
                kind: "dlp",
                config: { detectors: "all", direction: "both", action: "redact" },
              },
            ]),
        ...(process.env.BENCH_NO_RL
          ? []
          : [
              {
                name: "per-agent",
                kind: "rate_limit",
                config: { limits: [{ per: "agent", window: "day", max: 1_000_000_000 }] },
              },
            ]),
      ],
    }),
    { actor, env: {} },
  );
  await guardedPool.close();
  const { key } = await createApiKey(database.db, { agentName: "bench-agent", actor });
  await publishSnapshot(database.db, redis, names, { secretKey: secretKeyFrom(SECRET), createdBy: "bench" });

  const baseEnv = {
    REDIS_URL: "redis://127.0.0.1:6379",
    REDIS_PREFIX: names.prefix,
    PORTCULLIS_SECRET_KEY: SECRET,
    DATABASE_URL: database.url,
    GATEWAY_SPOOL_DIR: mkdtempSync(join(tmpdir(), "pcbench-spool-")),
    LOG_LEVEL: "warn",
    PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1",
  };
  const worker = SOURCES
    ? startService("worker", "apps/worker/src/main.ts", baseEnv)
    : startBuilt("worker", baseEnv);
  running.push(worker);

  const directRevision = UPSTREAM === "v2" ? "2026-07-28" : "2025-11-25";
  const direct = new LeanMcpClient(upstreamUrl, undefined, directRevision);
  const directCall = () =>
    direct.request("tools/call", { name: "echo", arguments: { message: MESSAGE } }).then(expectEcho);
  const upstreamCpu0 = cpuSecondsOf(upstream.pid!);
  for (let i = 0; i < 1000; i++) await directCall();
  const upstreamCpuPerCall = ((cpuSecondsOf(upstream.pid!) - upstreamCpu0) / 1000) * 1e6;

  /** Starts a gateway with `workers` processes and measures it; CPU per call of each component. */
  const viaGateway = async (workers: string, full: boolean) => {
    const port = await freePort();
    const gatewayEnv = { ...baseEnv, GATEWAY_PORT: String(port), GATEWAY_WORKERS: workers };
    const profileArgs = [
      ...(PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${root}bench/profiles`] : []),
      ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
    ];
    const gateway = SOURCES
      ? startService("gateway", "apps/gateway/src/main.ts", gatewayEnv, profileArgs)
      : startBuilt("gateway", gatewayEnv, profileArgs);
    running.push(gateway);
    await waitForHttp(`http://127.0.0.1:${port}/readyz`);
    const client = new LeanMcpClient(`http://127.0.0.1:${port}/mcp`, key);
    const call = () =>
      client.request("tools/call", { name: "fast__echo", arguments: { message: MESSAGE } }).then(expectEcho);
    for (let i = 0; i < 50; i++) await call();
    const cpu0 = {
      gateway: cpuSecondsOfAll(processTree(gateway.pid!)),
      worker: cpuSecondsOfAll(processTree(worker.pid!)),
      postgres: await postgresCpu(),
    };
    const stored0 = await countCalls();
    let calls = 0;
    const counted = () => {
      calls++;
      return call();
    };
    const sequentialFrom = new Date();
    const [ds, gs] = full ? await sequentialPair(directCall, counted) : [[], []];
    const sequentialTo = new Date();
    const [dRate, gRate] = await throughputPair(directCall, counted);
    const result = {
      calls,
      direct: { p50: percentile(ds, 50), p99: percentile(ds, 99), rate: dRate },
      gateway: { p50: percentile(gs, 50), p99: percentile(gs, 99), rate: gRate },
    };
    // The audit path must keep up: wait for the worker to have stored every call.
    const expected = stored0 + calls;
    let stored = await countCalls();
    for (let i = 0; i < 150 && stored < expected; i++) {
      await new Promise((r) => setTimeout(r, 200));
      stored = await countCalls();
    }
    const per = (s: number) => ((s / result.calls) * 1e6).toFixed(0);
    const cpu = {
      gateway: per(cpuSecondsOfAll(processTree(gateway.pid!)) - cpu0.gateway),
      worker: per(cpuSecondsOfAll(processTree(worker.pid!)) - cpu0.worker),
      postgres: per((await postgresCpu()) - cpu0.postgres),
    };
    // Inside the gateway, from its audit events: the time from a request's arrival to its
    // answer, and of that the upstream call (the rest of the added latency is the two hops).
    const inside = full
      ? (
          await database.db.$queryRaw<Array<{ total: number; upstream: number }>>`
            select percentile_cont(0.5) within group (order by latency_ms) as total,
                   percentile_cont(0.5) within group (order by upstream_latency_ms) as upstream
            from audit_events where method = 'tools/call'
              and occurred_at >= ${sequentialFrom} and occurred_at <= ${sequentialTo}`
        )[0]
      : undefined;
    const processes = processTree(gateway.pid!).length;
    await client.close();
    await stop(gateway);
    return { ...result, cpu, stored: stored - stored0, processes, inside };
  };

  /** The same measurement through bench/bare-forwarder-server.ts: what Node's HTTP stack alone adds. */
  const viaForwarder = async () => {
    const port = await freePort();
    const forwarder = startService("forwarder", "bench/bare-forwarder-server.ts", {
      PORT: String(port),
      UPSTREAM: upstreamUrl,
    });
    running.push(forwarder);
    await waitForHttp(`http://127.0.0.1:${port}/mcp`, 30_000, "POST");
    const client = new LeanMcpClient(`http://127.0.0.1:${port}/mcp`, undefined, directRevision);
    const call = () =>
      client.request("tools/call", { name: "echo", arguments: { message: MESSAGE } }).then(expectEcho);
    for (let i = 0; i < 50; i++) await call();
    const cpu0 = cpuSecondsOf(forwarder.pid!);
    let calls = 0;
    const counted = () => {
      calls++;
      return call();
    };
    const [ds, fs] = await sequentialPair(directCall, counted);
    const [dRate, fRate] = await throughputPair(directCall, counted);
    const cpu = ((cpuSecondsOf(forwarder.pid!) - cpu0) / calls) * 1e6;
    await client.close();
    await stop(forwarder);
    return {
      p50: percentile(fs, 50) - percentile(ds, 50),
      p99: percentile(fs, 99) - percentile(ds, 99),
      ratio: fRate / dRate,
      cpu,
    };
  };

  const countCalls = async () => database.db.auditEvent.count({ where: { method: "tools/call" } });

  log(`gateway (1 process): ${CALLS} sequential calls each way, then ${SECONDS} s each at c=${CONCURRENCY}`);
  const g = await viaGateway("1", true);
  const multi = process.env.GATEWAY_WORKERS ?? "auto";
  log(`gateway (GATEWAY_WORKERS=${multi}): ${SECONDS} s each at c=${CONCURRENCY}`);
  const gN = multi === "1" ? null : await viaGateway(multi, false);
  const floor = process.env.BENCH_FLOOR === "0" ? null : await viaForwarder();
  await direct.close();

  const { direct: d, gateway: gw } = g;
  const rows = [
    ["", "direct", "via gateway", "added / ratio"],
    ["p50 latency, c=1 (ms)", fmt(d.p50), fmt(gw.p50), `+${fmt(gw.p50 - d.p50)}`],
    ["p99 latency, c=1 (ms)", fmt(d.p99), fmt(gw.p99), `+${fmt(gw.p99 - d.p99)}`],
    [`calls/s, c=${CONCURRENCY}`, d.rate.toFixed(0), gw.rate.toFixed(0), `${(gw.rate / d.rate).toFixed(2)}×`],
  ];
  if (gN) {
    rows.push([
      `calls/s, c=${CONCURRENCY}, GATEWAY_WORKERS=${multi} (${gN.processes - 1} workers)`,
      gN.direct.rate.toFixed(0),
      gN.gateway.rate.toFixed(0),
      `${(gN.gateway.rate / gN.direct.rate).toFixed(2)}×`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  |  ");
  process.stdout.write(
    `\nHot path: tools/call 64-byte echo, ${UPSTREAM === "v2" ? "v2 SDK (2026-07-28)" : UPSTREAM === "2026" ? "minimal node:http 2026-07-28" : "minimal node:http"} upstream, grants + DLP (all detectors) + rate limit + audit\n`,
  );
  process.stdout.write(`${line(rows[0]!)}\n${widths.map((w) => "-".repeat(w)).join("--+--")}\n`);
  for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(
    `CPU per call (µs): gateway ${g.cpu.gateway}, worker ${g.cpu.worker}, postgres ${g.cpu.postgres}, upstream ${upstreamCpuPerCall.toFixed(0)}\n`,
  );
  if (gN)
    process.stdout.write(
      `CPU per call (µs), ${gN.processes} gateway processes: gateway ${gN.cpu.gateway}, worker ${gN.cpu.worker}, postgres ${gN.cpu.postgres}\n`,
    );
  if (g.inside)
    process.stdout.write(
      `inside the gateway at c=1 (its audit events, p50): ${fmt(g.inside.total)} ms from request to answer, of which the upstream call ${fmt(g.inside.upstream)} ms\n`,
    );
  if (floor)
    process.stdout.write(
      `floor, a bare node:http + undici forwarder (no policy, no audit): +${fmt(floor.p50)} ms p50, +${fmt(floor.p99)} ms p99, ${floor.ratio.toFixed(2)}× at c=${CONCURRENCY}, ${floor.cpu.toFixed(0)} µs CPU per call\n`,
    );
  process.stdout.write(
    `audit events stored: ${g.stored} of ${g.calls}${gN ? `; ${gN.stored} of ${gN.calls}` : ""}\n`,
  );
  process.stdout.write("targets: added p50 <= 0.3 ms, added p99 <= 1.5 ms, calls/s >= 0.5× direct\n");
} finally {
  for (const child of running.reverse()) await stop(child);
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database.drop();
}

async function urlOf(file: string): Promise<string> {
  for (let i = 0; i < 300 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  return readFileSync(file, "utf8");
}

function expectEcho(response: { result?: unknown; error?: unknown }): void {
  const content = (response.result as { content?: Array<{ text?: string }> } | undefined)?.content;
  if (content?.[0]?.text !== ECHOED) throw new Error(`unexpected answer: ${JSON.stringify(response)}`);
}
process.exit(0);
