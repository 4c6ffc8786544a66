/**
 * Where does the gateway spend its time per tools/call? Runs a fixture upstream, the
 * gateway and a client in this process under the V8 CPU profiler and prints the functions
 * with the most self time (all three share the process, so read the gateway's rows).
 *
 *   pnpm exec tsx bench/profile-gateway.ts   (env: PROFILE_CALLS=3000)
 */

import { mkdtempSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { generateApiKey } from "@portcullis/auth/api-keys";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { randomToken } from "@portcullis/contracts/ids";
import { redisNames } from "@portcullis/contracts/redis-keys";
import { SNAPSHOT_SCHEMA_VERSION } from "@portcullis/contracts/snapshot";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { startModernHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { Redis } from "ioredis";
import { pino } from "pino";
import { startGateway } from "../apps/gateway/src/start-gateway";
import { LOOPBACK_TEST_POLICY } from "../packages/upstream/src/test-policy";

const CALLS = Number(process.env.PROFILE_CALLS ?? 3000);
const names = redisNames(`pcprof:${randomToken(8)}`);
const redis = new Redis();
const secretKey = secretKeyFrom(`profile-secret-${randomToken(32)}`);
const upstream = await startModernHttpServer();
const pool = new UpstreamPool();
const tools = await pool.listTools({
  id: "srv_p",
  name: "fast",
  transport: "streamable-http",
  url: upstream.url,
  timeoutMs: 5000,
});
await pool.close();
const key = generateApiKey();
const doc = {
  schemaVersion: SNAPSHOT_SCHEMA_VERSION,
  version: 1,
  createdAt: new Date().toISOString(),
  agents: [{ id: "agt_p", orgId: "org_p", name: "prof", teamId: "team_p", teamName: "t", status: "active" }],
  keys: [{ id: "key_p", agentId: "agt_p", hash: key.hash, expiresAt: null }],
  servers: [
    {
      id: "srv_p",
      orgId: "org_p",
      name: "fast",
      transport: "streamable-http",
      url: upstream.url,
      command: null,
      args: [],
      env: null,
      secrets: null,
      timeoutMs: 5000,
      status: "active",
    },
  ],
  tools: tools.map((t, i) => ({
    id: `tool_${i}`,
    serverId: "srv_p",
    upstreamName: t.name,
    exposedName: `fast__${t.name}`,
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
      id: "grt_p",
      orgId: "org_p",
      teamId: "team_p",
      agentId: null,
      serverId: "srv_p",
      toolPattern: "*",
      effect: "allow",
      approvalTimeoutSec: null,
      reason: null,
    },
  ],
  policies: [],
};
await writeSnapshotToRedis(redis, names, 1, JSON.stringify(doc), secretKey);
const gateway = await startGateway({
  host: "127.0.0.1",
  port: 0,
  allowedHosts: [],
  allowedOrigins: [],
  maxBodyBytes: 1_048_576,
  redisUrl: "redis://127.0.0.1:6379",
  names,
  secretKey,
  spoolDir: mkdtempSync(join(tmpdir(), "pcprof-")),
  logger: pino({ level: "silent" }),
  upstream: LOOPBACK_TEST_POLICY,
});
const client = new Client(
  { name: "prof", version: "1" },
  { versionNegotiation: { mode: { pin: "2026-07-28" } } },
);
await client.connect(
  new StreamableHTTPClientTransport(new URL(gateway.url), {
    requestInit: { headers: { Authorization: `Bearer ${key.key}` } },
  }),
);
const call = () => client.callTool({ name: "fast__echo", arguments: { message: "profile" } });
for (let i = 0; i < 300; i++) await call();

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
await session.post("Profiler.start");
const t0 = performance.now();
for (let i = 0; i < CALLS; i++) await call();
const elapsed = performance.now() - t0;
const { profile } = await session.post("Profiler.stop");

const self = new Map<string, number>();
const dt = profile.timeDeltas ?? [];
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
(profile.samples ?? []).forEach((id, i) => {
  const node = byId.get(id);
  if (!node) return;
  const f = node.callFrame;
  const where = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\/(\.pnpm\/)?/, "").replace(/^file:\/\/.*\/main\//, "")}:${f.lineNumber + 1}`;
  self.set(where, (self.get(where) ?? 0) + (dt[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
process.stdout.write(
  `${CALLS} calls in ${elapsed.toFixed(0)} ms: ${(elapsed / CALLS).toFixed(3)} ms per call (client + gateway + upstream, one process)\n\n`,
);
for (const [where, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  process.stdout.write(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${where.slice(0, 150)}\n`);
}
await client.close();
await gateway.close(1000);
await upstream.close();
await cleanupRedisPrefix(redis, names.prefix);
redis.disconnect();
process.exit(0);
