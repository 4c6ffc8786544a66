// The long fuzz run (#10 point 13): a gateway as its own process, sent FUZZ_CASES (default
// 20,000) hostile requests from @portcullis/testkit/mcp-fuzz (malformed JSON-RPC, headers,
// protocol messages, argument shapes). Reports: cases, failures (5xx other than the
// documented 503 UNAVAILABLE, non-JSON-RPC answers, reset connections), whether the process
// is alive, and its resident memory (from /metrics) after a warm-up and at the end.
// `node --import tsx bench/fuzz.ts` (Redis on 127.0.0.1:6379). FUZZ_SEED replays a run.
import { spawn } from "node:child_process";
import { generateApiKey } from "@portcullis/auth/api-keys";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { randomToken } from "@portcullis/contracts/ids";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { SNAPSHOT_SCHEMA_VERSION } from "@portcullis/contracts/snapshot";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { anyFuzzRequest, sendFuzzCase } from "@portcullis/testkit/mcp-fuzz";
import { freePort } from "@portcullis/testkit/ports";
import { cleanupRedisPrefix } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import fc from "fast-check";
import { Redis } from "ioredis";
import { LOOPBACK_TEST_POLICY } from "../packages/upstream/src/test-policy";
import { root, stop, waitForHttp } from "./lib/processes";

const CASES = Number(process.env.FUZZ_CASES ?? 20_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const SECRET = `fuzz-secret-${randomToken(32)}`;
const names = redisNames(`pcfuzz:${randomToken(8)}`);
const redis = new Redis();
const upstream = await startLegacyHttpServer({ tag: "fuzz" });
const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
const spec = {
  id: "srv_f",
  name: "alpha",
  transport: "streamable-http" as const,
  url: upstream.url,
  timeoutMs: 5000,
};
const tools = await pool.listTools(spec);
await pool.close();
const key = generateApiKey();
const doc = {
  schemaVersion: SNAPSHOT_SCHEMA_VERSION,
  version: 1,
  createdAt: new Date().toISOString(),
  agents: [{ id: "agt_f", orgId: "org_f", name: "fuzz", teamId: "team_f", teamName: "t", status: "active" }],
  keys: [{ id: "key_f", agentId: "agt_f", hash: key.hash, expiresAt: null }],
  servers: [{ ...spec, orgId: "org_f", command: null, args: [], env: null, secrets: null, status: "active" }],
  tools: tools.map((t, i) => ({
    id: `tool_${i}`,
    serverId: "srv_f",
    upstreamName: t.name,
    exposedName: `alpha__${t.name}`,
    title: null,
    description: t.description ?? null,
    inputSchema: t.inputSchema,
    outputSchema: null,
    annotations: t.annotations ?? null,
    riskClass: "read",
    status: "active",
    definitionHash: `h${i}`,
  })),
  grants: [
    {
      id: "grt_f",
      orgId: "org_f",
      teamId: "team_f",
      agentId: null,
      serverId: "srv_f",
      toolPattern: "*",
      effect: "allow",
      approvalTimeoutSec: null,
      reason: null,
    },
  ],
  policies: [],
};
await writeSnapshotToRedis(redis, names, 1, JSON.stringify(doc), secretKeyFrom(SECRET));

const port = await freePort();
// Node with tsx's loader (not the tsx CLI, whose signal relay kills a busy child). The old
// generation is capped (FUZZ_MAX_OLD_SPACE_MB): a leak then ends the run as a crash instead
// of hiding as heap V8 has not bothered to collect yet.
const MAX_OLD_SPACE_MB = Number(process.env.FUZZ_MAX_OLD_SPACE_MB ?? 128);
const gateway = spawn(
  process.execPath,
  [`--max-old-space-size=${MAX_OLD_SPACE_MB}`, "--import", "tsx", `${root}apps/gateway/src/main.ts`],
  {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      GATEWAY_PORT: String(port),
      REDIS_PREFIX: names.prefix,
      PORTCULLIS_SECRET_KEY: SECRET,
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
      GATEWAY_UNAUTH_LIMIT: "100000000",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  },
);
const base = `http://127.0.0.1:${port}`;
await waitForHttp(`${base}/readyz`);

/** A gauge of the gateway's own process metrics, in MB. */
async function metricMb(name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return Math.round(Number(line?.split(" ")[1] ?? Number.NaN) / 1e5) / 10;
}
const rssMb = () => metricMb("process_resident_memory_bytes");
const heapMb = () => metricMb("nodejs_heap_size_used_bytes");

const names_ = tools.map((t) => `alpha__${t.name}`);
const samples = fc.sample(anyFuzzRequest(key.key, names_), { numRuns: CASES, seed: SEED });
const failures: string[] = [];
const byKind = new Map<string, number>();
let warmRss = 0;
// Heap in use at each fifth of the run: flat (within GC noise) when nothing leaks.
const heapSeries: number[] = [];
const started = performance.now();
for (const [i, request] of samples.entries()) {
  byKind.set(request.kind, (byKind.get(request.kind) ?? 0) + 1);
  const problem = await sendFuzzCase(`${base}/mcp`, request);
  if (problem && failures.length < 20) failures.push(problem);
  if (i === Math.min(2_000, Math.floor(CASES / 5))) warmRss = await rssMb();
  if (i % Math.max(1, Math.floor(CASES / 5)) === 0) heapSeries.push(await heapMb());
}
const seconds = (performance.now() - started) / 1000;
const endRss = await rssMb();
const alive = gateway.exitCode === null && (await fetch(`${base}/healthz`)).status === 200;

console.log(
  JSON.stringify(
    {
      seed: SEED,
      cases: CASES,
      maxOldSpaceMb: MAX_OLD_SPACE_MB,
      byKind: Object.fromEntries(byKind),
      seconds: Math.round(seconds * 10) / 10,
      casesPerSecond: Math.round(CASES / seconds),
      failures: failures.length,
      alive,
      rssMb: { afterWarmup: warmRss, end: endRss, growth: Math.round((endRss - warmRss) * 10) / 10 },
      heapUsedMb: [...heapSeries, await heapMb()],
    },
    null,
    2,
  ),
);
for (const f of failures) console.log(`FAIL ${f}`);

await stop(gateway);
await upstream.close();
await cleanupRedisPrefix(redis, names.prefix);
redis.disconnect();
process.exit(failures.length === 0 && alive ? 0 : 1);
