/**
 * Gateway overhead: the same tools/call workload direct to a fast upstream and through
 * the gateway (policy, argument validation and audit on), in one run.
 *
 *   pnpm bench            (env: BENCH_CALLS=3000 BENCH_SECONDS=5 BENCH_CONCURRENCY=32)
 *
 * Upstream, gateway and worker each run in their own process, as deployed; this process is
 * the client. Both paths use the same MCP client (v2 SDK, revision 2026-07-28).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
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
import { UpstreamPool } from "@portcullis/upstream/pool";
import { Redis } from "ioredis";
import { startProcess, stop, waitForHttp } from "./lib/processes";
import { fmt, measureSequential, measureThroughput, percentile } from "./lib/stats";

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SECRET = `bench-secret-${randomToken(32)}`;

async function connect(url: string, key?: string): Promise<Client> {
  const client = new Client(
    { name: "bench", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  const headers: Record<string, string> = key ? { Authorization: `Bearer ${key}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
const names = redisNames(`pcbench:${randomToken(8)}`);
const redis = new Redis({ maxRetriesPerRequest: 1 });
const database = await createTestDatabase({ name: "bench" });
const upstreamPort = await freePort();
const gatewayPort = await freePort();
const upstream = startProcess("upstream", "demo/servers/notes-server.ts", { PORT: String(upstreamPort) });
const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
let gateway: ReturnType<typeof startProcess> | undefined;
let worker: ReturnType<typeof startProcess> | undefined;

try {
  await waitForHttp(upstreamUrl);
  log("configuring through the control plane");
  const pool = new UpstreamPool();
  const secretKey = secretKeyFrom(SECRET);
  const actor = { type: "cli" as const, name: "bench" };
  await applyAndPublish(
    { db: database.db, redis, names, pool, secretKey },
    configFile.parse({
      servers: [{ name: "fast", transport: "streamable-http", url: upstreamUrl }],
      teams: [{ name: "bench" }],
      agents: [{ name: "bench-agent", team: "bench" }],
      grants: [{ team: "bench", server: "fast", tools: ["echo"], effect: "allow" }],
    }),
    { actor, env: {} },
  );
  await pool.close();
  const { key } = await createApiKey(database.db, { agentName: "bench-agent", actor });
  await publishSnapshot(database.db, redis, names, { secretKey, createdBy: "bench" });

  const env = {
    REDIS_URL: "redis://127.0.0.1:6379",
    REDIS_PREFIX: names.prefix,
    PORTCULLIS_SECRET_KEY: SECRET,
    DATABASE_URL: database.url,
    GATEWAY_PORT: String(gatewayPort),
    GATEWAY_SPOOL_DIR: mkdtempSync(join(tmpdir(), "pcbench-spool-")),
    LOG_LEVEL: "warn",
    PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1",
  };
  gateway = startProcess("gateway", "apps/gateway/src/main.ts", env);
  worker = startProcess("worker", "apps/worker/src/main.ts", env);
  await waitForHttp(`http://127.0.0.1:${gatewayPort}/readyz`);

  const direct = await connect(upstreamUrl);
  const viaGateway = await connect(`http://127.0.0.1:${gatewayPort}/mcp`, key);
  const directCall = () => direct.callTool({ name: "echo", arguments: { message: "bench" } });
  const gatewayCall = () => viaGateway.callTool({ name: "fast__echo", arguments: { message: "bench" } });
  const check = await gatewayCall();
  if (JSON.stringify(check.content) !== JSON.stringify([{ type: "text", text: "echo: bench" }])) {
    throw new Error(`unexpected result through the gateway: ${JSON.stringify(check)}`);
  }

  log(`concurrency 1: ${CALLS} calls each (after 300 warm-up calls)`);
  const d1 = await measureSequential(directCall, 300, CALLS);
  const g1 = await measureSequential(gatewayCall, 300, CALLS);
  log(`concurrency ${CONCURRENCY}: ${SECONDS} s each`);
  const dRate = await measureThroughput(directCall, CONCURRENCY, SECONDS * 1000);
  const gRate = await measureThroughput(gatewayCall, CONCURRENCY, SECONDS * 1000);
  await direct.close();
  await viaGateway.close();

  // Audit must keep up: wait for the worker to have stored every call.
  const expected = CALLS + 300 + 1;
  let stored = 0;
  for (let i = 0; i < 100 && stored < expected; i++) {
    stored = await database.db.auditEvent.count({ where: { method: "tools/call" } });
    if (stored < expected) await new Promise((r) => setTimeout(r, 200));
  }

  const rows = [
    ["", "direct", "via gateway", "added / ratio"],
    [
      "p50 latency, c=1 (ms)",
      fmt(percentile(d1, 50)),
      fmt(percentile(g1, 50)),
      fmt(percentile(g1, 50) - percentile(d1, 50)),
    ],
    [
      "p99 latency, c=1 (ms)",
      fmt(percentile(d1, 99)),
      fmt(percentile(g1, 99)),
      fmt(percentile(g1, 99) - percentile(d1, 99)),
    ],
    [
      `calls/s, c=${CONCURRENCY}`,
      dRate.toFixed(0),
      gRate.toFixed(0),
      `${((gRate / dRate) * 100).toFixed(1)} % of direct`,
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  |  ");
  process.stdout.write(
    `\nGateway overhead (tools/call echo, MCP 2026-07-28, policy + validation + audit on)\n`,
  );
  process.stdout.write(`${line(rows[0]!)}\n${widths.map((w) => "-".repeat(w)).join("--+--")}\n`);
  for (const r of rows.slice(1)) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(
    `audit events stored by the worker: ${stored} of the ${expected} sequential-phase calls and more\n`,
  );
  process.stdout.write(`targets: added p50 < 0.3 ms; throughput >= 50 % of direct\n`);
} finally {
  if (gateway) await stop(gateway);
  if (worker) await stop(worker);
  await stop(upstream);
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database.drop();
}
process.exit(0);
