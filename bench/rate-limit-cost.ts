/**
 * What one rate-limit check adds to a tools/call: the gateway's rate-limit stage run
 * in-process against the local Redis (the same code path as a call, without HTTP).
 *
 *   pnpm exec tsx bench/rate-limit-cost.ts   (env: BENCH_CALLS=5000 BENCH_SECONDS=3 BENCH_CONCURRENCY=32)
 *
 * Rows: a call no policy covers (must not touch Redis), a call under one limit and under
 * three limits (one EVALSHA either way), a bare Redis PING for the round trip it cannot
 * avoid, and checks per second at concurrency.
 */
import { randomToken } from "@portcullis/contracts/ids";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { cleanupRedisPrefix } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { pino } from "pino";
import { createRateLimitStage } from "../apps/gateway/src/pipeline/rate-limit-stage";
import { type CallContext, newAuditFields } from "../apps/gateway/src/pipeline/request-context";
import type { StageInput } from "../apps/gateway/src/pipeline/stage-input";
import { CompiledSnapshot } from "../apps/gateway/src/snapshot/compiled-snapshot";
import { SnapshotBuilder } from "../apps/gateway/src/testing/snapshot-builder";
import { fmt, measureSequential, measureThroughput, percentile } from "./lib/stats";

const CALLS = Number(process.env.BENCH_CALLS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const REDIS_URL = "redis://127.0.0.1:6379";

const names = redisNames(`pcbench-rl:${randomToken(8)}`);
const secretKey = Buffer.alloc(32);
const b = new SnapshotBuilder(secretKey);
const server = b.server({ name: "fast", transport: "streamable-http", url: "http://127.0.0.1:1/mcp" });
b.addTools(server, [{ name: "echo", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } }]);
const free = b.agent("free", "free");
const one = b.agent("one-limit", "limited");
const three = b.agent("three-limits", "limited");
// Budgets far above what the bench spends, so every check passes and is counted.
b.policy("rate_limit", { limits: [{ per: "agent", window: "minute", max: 100_000 }] }, { agents: [one.id] });
b.policy(
  "rate_limit",
  {
    limits: [
      { per: "agent", window: "minute", max: 100_000 },
      { per: "team", window: "day", max: 1_000_000_000 },
      { per: "agent+tool", window: "hour", max: 100_000 },
    ],
  },
  { agents: [three.id] },
);
const doc = b.build(1);
const snapshot = new CompiledSnapshot(doc, secretKey);
const tool = doc.tools[0]!;
const key = { id: "key_bench", agentId: "", hash: "", expiresAt: null };

function input(agent: typeof free): StageInput {
  const ctx: CallContext = {
    requestId: "bench",
    occurredAt: new Date(),
    startedAt: 0,
    method: "tools/call",
    protocolVersion: null,
    portal: null,
    identity: { kind: "agent", agent, key },
    snapshot,
    handlerDone: null,
    audit: newAuditFields(),
  };
  return { ctx, server, tool };
}

const stage = createRateLimitStage({ redisUrl: REDIS_URL, names, logger: pino({ level: "warn" }) });
const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
await new Promise((r) => redis.once("ready", r));
const us = (ms: number) => fmt(ms * 1000, 1);
const rows: string[] = [];
const row = (label: string, sorted: number[]) =>
  rows.push(
    `${label.padEnd(36)} p50 ${us(percentile(sorted, 50)).padStart(7)} µs   p99 ${us(percentile(sorted, 99)).padStart(7)} µs`,
  );

try {
  const uncovered = input(free);
  await stage.enforce(uncovered);
  const loops = 200_000;
  const t = performance.now();
  for (let i = 0; i < loops; i++) await stage.enforce(uncovered);
  const uncoveredUs = ((performance.now() - t) / loops) * 1000;
  rows.push(
    `${"no policy covers the call".padEnd(36)} mean ${fmt(uncoveredUs, 3).padStart(6)} µs (no Redis)`,
  );

  row("Redis PING (round-trip floor)", await measureSequential(() => redis.ping(), 200, CALLS));
  const oneInput = input(one);
  row("1 limit  (1 EVALSHA)", await measureSequential(() => stage.enforce(oneInput), 200, CALLS));
  const threeInput = input(three);
  row("3 limits (1 EVALSHA)", await measureSequential(() => stage.enforce(threeInput), 200, CALLS));
  const perSecond = await measureThroughput(() => stage.enforce(threeInput), CONCURRENCY, SECONDS * 1000);
  rows.push(`${`3 limits, concurrency ${CONCURRENCY}`.padEnd(36)} ${Math.round(perSecond)} checks/s`);

  process.stdout.write(`\nrate-limit check cost (in-process, local Redis, ${CALLS} sequential calls)\n`);
  for (const r of rows) process.stdout.write(`  ${r}\n`);
} finally {
  await stage.close();
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
}
