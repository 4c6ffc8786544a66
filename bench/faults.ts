/**
 * Faults survived, measured (issue 14.5). A real gateway and worker (their own processes)
 * on a private Postgres cluster and a private redis-server (appendonly, as in production),
 * under a steady load of BENCH_AGENTS agents calling two upstreams. In turn:
 *
 *   redis-stop      Redis stopped for BENCH_FAULT_SECONDS (default 30), data kept
 *   redis-empty     Redis stopped as long and started again empty (its files deleted)
 *   postgres-stop   Postgres stopped as long
 *   worker-kill     the worker SIGKILLed mid-batch, started again 2 s later
 *   upstream-hang   one of the two upstreams stops answering as long
 *
 * For each it prints the requests sent and failed (and whether they needed the missing
 * part), the audit events lost (answered requests whose event never reached Postgres:
 * must be 0), duplicates (requests with more than one event: must be 0), and the time to
 * recover (from the end of the fault until calls succeed again and every event of the
 * phase is stored).
 *
 *   node --import tsx bench/faults.ts          (about 5 minutes at the defaults)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { configFile } from "@portcullis/contracts/config-file";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { verifyAuditChain } from "@portcullis/control/audit/chain/verify-audit-chain";
import { publishSnapshot, republishLatest } from "@portcullis/control/snapshots/publish-snapshot";
import { createDb, type Db } from "@portcullis/db/client";
import { migrate } from "@portcullis/db/migrate";
import { startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { BENCH_SECRET, startWorkerProcess, stopProcess } from "./lib/audit-rig";
import { startPrivatePostgres, startPrivateRedis } from "./lib/private-services";
import { root } from "./lib/processes";

const FAULT_SECONDS = Number(process.env.BENCH_FAULT_SECONDS ?? 30);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 4);
/** Calm load between faults, so each phase starts from a healthy system. */
const CALM_SECONDS = Number(process.env.BENCH_CALM_SECONDS ?? 5);
const RECOVERY_LIMIT_MS = 180_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stdout.write(`${m}\n`);
const started = performance.now();
const note = (m: string) =>
  process.stderr.write(`[faults ${((performance.now() - started) / 1000).toFixed(0)}s] ${m}\n`);

interface Call {
  phase: string;
  server: "alpha" | "beta";
  at: number;
  ok: boolean;
  requestId: string | null;
  error?: string;
}

const scratch = await mkdtemp(join(tmpdir(), "pc-faults-"));
await chmod(scratch, 0o755); // Postgres runs as its own user and must reach its directory
const pg = await startPrivatePostgres(join(scratch, "pg"));
const redisServer = await startPrivateRedis(join(scratch, "redis"));
const names = redisNames("faults");
const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
redis.on("error", () => {});
await migrate(pg.url);
const db: Db = createDb(pg.url, { max: 3 });
const alpha = await startLegacyHttpServer({ jsonResponse: true, tag: "alpha" });
const beta = await startLegacyHttpServer({ jsonResponse: true, tag: "beta" });
const hangable = await hangableProxy(beta.url);
const spoolDir = join(scratch, "spool");
const calls: Call[] = [];
let phase = "warm-up";
let gateway: { child: ChildProcess; url: string } | undefined;
let worker = startWorkerProcess({ databaseUrl: pg.url, redisUrl: redisServer.url, prefix: names.prefix });
// Interrupted: stop the private Postgres, Redis and the processes before leaving.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    note(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

try {
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const file = configFile.parse({
    servers: [
      { name: "alpha", transport: "streamable-http", url: alpha.url },
      // The one that hangs; a short timeout makes its calls fail fast and clearly.
      { name: "beta", transport: "streamable-http", url: hangable.url, timeoutMs: 2_000 },
    ],
    teams: [{ name: "load" }],
    agents: [{ name: "load-bot", team: "load" }],
    grants: [
      { team: "load", server: "alpha", tools: ["echo"], effect: "allow" },
      { team: "load", server: "beta", tools: ["echo"], effect: "allow" },
    ],
  });
  const secretKey = secretKeyFrom(BENCH_SECRET);
  await applyAndPublish({ db, redis, names, pool, secretKey }, file, {
    actor: { type: "cli", name: "faults-bench" },
    env: {},
  });
  await pool.close();
  const key = (
    await createApiKey(db, { agentName: "load-bot", actor: { type: "cli", name: "faults-bench" } })
  ).key;
  // The key reaches gateways with the next snapshot.
  await publishSnapshot(db, redis, names, { secretKey, createdBy: "faults-bench" });
  gateway = await startGatewayProcess({
    REDIS_URL: redisServer.url,
    REDIS_PREFIX: names.prefix,
    PORTCULLIS_SECRET_KEY: BENCH_SECRET,
    PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
    GATEWAY_SPOOL_DIR: spoolDir,
    LOG_LEVEL: "info", // its "gateway listening" line says where it listens
  });
  await worker.started;

  let running = true;
  let n = 0;
  const agent = async () => {
    while (running) {
      const i = n++;
      const server = i % 10 === 9 ? "beta" : "alpha";
      calls.push(await call(gateway!.url, key, server, i));
    }
  };
  const load = Promise.all(Array.from({ length: AGENTS }, agent));
  const progress = setInterval(() => {
    const last = calls.filter((c) => c.at > Date.now() - 10_000);
    note(
      `${phase}: last 10 s ${last.filter((c) => c.ok).length} ok, ${last.filter((c) => !c.ok).length} failed`,
    );
  }, 10_000);

  const rows: string[][] = [];
  const faults: Array<[string, string, () => Promise<void>, () => Promise<void>]> = [
    ["redis-stop", "Redis stopped, data kept", () => redisServer.stop(), () => redisServer.start()],
    [
      "redis-empty",
      "Redis restarted empty",
      () => redisServer.wipe(),
      async () => {
        await redisServer.start();
        // What an operator does (`portcullis snapshot publish`): put the latest snapshot back.
        for (let attempt = 1; ; attempt++) {
          try {
            await republishLatest(db, redis, names, secretKeyFrom(BENCH_SECRET));
            break;
          } catch (error) {
            if (attempt >= 40) {
              note(`republish failed: ${error}`);
              break;
            }
            await sleep(250);
          }
        }
      },
    ],
    ["postgres-stop", "Postgres stopped", () => pg.stop(), () => pg.start()],
    [
      "worker-kill",
      "worker SIGKILLed mid-batch",
      async () => {
        // Mid-batch: while the worker holds a job (BullMQ's active list is not empty).
        const active = `${names.bullPrefix}:audit:active`;
        for (let i = 0; i < 200 && (await redis.llen(active).catch(() => 0)) === 0; i++) await sleep(5);
        await stopProcess(worker.child, "SIGKILL");
      },
      async () => {
        worker = startWorkerProcess({ databaseUrl: pg.url, redisUrl: redisServer.url, prefix: names.prefix });
        await worker.started;
      },
    ],
    ["upstream-hang", "one upstream hung", async () => hangable.hang(true), async () => hangable.hang(false)],
  ];

  phase = "warm-up";
  await sleep(CALM_SECONDS * 1000);
  for (const [id, label, breakIt, repair] of faults) {
    phase = id;
    note(`${label}…`);
    await breakIt();
    await sleep(id === "worker-kill" ? 2_000 : FAULT_SECONDS * 1000);
    await repair();
    const repairedAt = Date.now();
    note(`${label}: repaired, waiting for recovery`);
    const recovery = await waitForRecovery(id, repairedAt);
    phase = `${id}:after`;
    await sleep(CALM_SECONDS * 1000);
    rows.push(await summarize(id, label, recovery));
  }
  running = false;
  await load;
  clearInterval(progress);
  // Everything answered must be stored by now (or shortly).
  await waitForStored(calls.filter((c) => c.requestId !== null));

  log("");
  log(
    "| fault | requests | failed | failed that needed the missing part | audit events lost | duplicates | time to recover |",
  );
  log("|---|---|---|---|---|---|---|");
  for (const row of rows) log(`| ${row.join(" | ")} |`);
  const final = await auditCheck(calls);
  log(
    `\nall phases: ${calls.length} requests, ${calls.filter((c) => !c.ok).length} failed, ` +
      `${final.lost} audit events lost, ${final.duplicates} duplicates`,
  );
  // The hash chains too: gapless and verifying after every fault (worker killed mid-batch included).
  const chains = [...(await db.organization.findMany({ select: { id: true } })).map((o) => o.id), null];
  const verified = await Promise.all(chains.map((orgId) => verifyAuditChain(db, orgId)));
  const broken = verified.filter((v) => !v.ok).length;
  log(
    `hash chains: ${verified.length} checked, ${verified.reduce((n, v) => n + v.checked, 0)} events, ` +
      `${broken === 0 ? "all verify" : `${broken} BROKEN`}`,
  );
  if (final.lost > 0 || final.duplicates > 0 || broken > 0) process.exitCode = 1;
} finally {
  await cleanup();
}

async function cleanup(): Promise<void> {
  if (gateway) await stopProcess(gateway.child);
  await stopProcess(worker.child);
  await Promise.all([alpha.close(), beta.close(), hangable.close()]);
  redis.disconnect();
  await db.$disconnect();
  await redisServer.close();
  await pg.close();
  await rm(scratch, { recursive: true, force: true });
}

/** Calls succeed again and every event of the phase sent so far is stored. */
async function waitForRecovery(
  id: string,
  repairedAt: number,
): Promise<{ callsMs: number; auditMs: number }> {
  let callsMs = Number.NaN;
  let auditMs = Number.NaN;
  const deadline = Date.now() + RECOVERY_LIMIT_MS;
  while (Date.now() < deadline && (Number.isNaN(callsMs) || Number.isNaN(auditMs))) {
    if (Number.isNaN(callsMs)) {
      const recent = calls.filter((c) => c.at >= repairedAt);
      if (recent.some((c) => c.ok) && recent.slice(-AGENTS).every((c) => c.ok))
        callsMs = Math.max(
          0,
          Math.max(...calls.filter((c) => c.phase === id && !c.ok).map((c) => c.at), repairedAt) - repairedAt,
        );
    }
    if (Number.isNaN(auditMs)) {
      const answered = calls.filter((c) => c.phase === id && c.requestId !== null && c.at <= repairedAt);
      const stored = await storedRequestIds(answered.map((c) => c.requestId!)).catch(() => -1);
      if (stored === answered.length) auditMs = Date.now() - repairedAt;
    }
    await sleep(250);
  }
  return { callsMs, auditMs };
}

async function summarize(
  id: string,
  label: string,
  recovery: { callsMs: number; auditMs: number },
): Promise<string[]> {
  const own = calls.filter((c) => c.phase === id);
  const failed = own.filter((c) => !c.ok);
  // Which calls needed what was missing: the hung upstream's only; otherwise any call.
  const needed = id === "upstream-hang" ? failed.filter((c) => c.server === "beta").length : failed.length;
  await waitForStored(own.filter((c) => c.requestId !== null));
  const audit = await auditCheck(own);
  const secs = (ms: number) => (Number.isNaN(ms) ? "not within 180 s" : `${(ms / 1000).toFixed(1)} s`);
  if (failed.length > 0) note(`${id}: first failure: ${failed[0]!.error}`);
  return [
    label,
    String(own.length),
    String(failed.length),
    String(needed),
    String(audit.lost),
    String(audit.duplicates),
    `calls ${secs(recovery.callsMs)}, audit ${secs(recovery.auditMs)}`,
  ];
}

async function storedRequestIds(ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const [row] = await db.$queryRaw<Array<{ n: bigint }>>`
    SELECT count(DISTINCT request_id) AS n FROM audit_events WHERE request_id = ANY(${ids}::text[])`;
  return Number(row?.n ?? 0);
}

async function waitForStored(answered: Call[]): Promise<void> {
  const ids = answered.map((c) => c.requestId!);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && (await storedRequestIds(ids).catch(() => -1)) < ids.length)
    await sleep(500);
}

/** Lost: answered requests without a stored event. Duplicates: requests with several. */
async function auditCheck(subset: Call[]): Promise<{ lost: number; duplicates: number }> {
  const ids = subset.flatMap((c) => (c.requestId === null ? [] : [c.requestId]));
  if (ids.length === 0) return { lost: 0, duplicates: 0 };
  const rows = await db.$queryRaw<Array<{ request_id: string; n: bigint }>>`
    SELECT request_id, count(*) AS n FROM audit_events
     WHERE request_id = ANY(${ids}::text[]) AND method = 'tools/call' GROUP BY request_id`;
  const duplicates = rows.filter((r) => Number(r.n) > 1).length;
  return { lost: ids.length - rows.length, duplicates };
}

async function call(url: string, key: string, server: "alpha" | "beta", i: number): Promise<Call> {
  const at = Date.now();
  const base = { phase, server, at };
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: i,
        method: "tools/call",
        params: { name: `${server}__echo`, arguments: { message: `load-${i}` } },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    const ok = res.status === 200 && text.includes(`echo: load-${i}`);
    return {
      ...base,
      ok,
      requestId: res.headers.get("x-request-id"),
      ...(!ok && { error: `${res.status} ${text.slice(0, 200)}` }),
    };
  } catch (error) {
    await sleep(50); // a gateway that is not listening must not spin the agent
    return { ...base, ok: false, requestId: null, error: String(error) };
  }
}

async function startGatewayProcess(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", `${root}apps/gateway/src/main.ts`], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", GATEWAY_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  process.once("exit", () => child.kill("SIGKILL"));
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += String(d);
      const line = output.split("\n").find((l) => l.includes('"gateway listening"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code}: ${output}`)));
  });
  return { child, url };
}

/** A pass-through proxy to `target` that, when hung, accepts requests and never answers. */
async function hangableProxy(target: string) {
  const upstream = new URL(target);
  let hung = false;
  const held = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (hung) {
      held.add(req.socket);
      return;
    }
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    hang(on: boolean) {
      hung = on;
      if (on) return;
      // The calls held meanwhile have timed out at the gateway: drop their connections.
      for (const socket of held) socket.destroy();
      held.clear();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const socket of held) socket.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
