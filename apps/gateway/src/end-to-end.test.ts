import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFile } from "@portcullis/contracts/config-file";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { revokeApiKey } from "@portcullis/control/agents/revoke-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import { type AuditWorker, startAuditWorker } from "@portcullis/queues/audit-worker";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import {
  memoryServerSpec,
  type ReferenceServer,
  startEverythingServer,
} from "@portcullis/testkit/reference-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "./start-gateway";
import { CLIENTS } from "./testing/clients";
import { startTestGateway, TEST_SECRET_KEY, waitForVersion } from "./testing/gateway-harness";

// The spine of issue 2, with nothing simulated: a config file applied through the control
// plane (catalog sync against the reference servers, snapshot published to Redis), the
// gateway serving agents from that snapshot, the worker writing audit events to Postgres.
const names = testRedisNames("e2e");
const redis = new Redis({ maxRetriesPerRequest: 1 });
const actor = { type: "cli" as const, name: "e2e-test" };
let database: TestDatabase;
let everything: ReferenceServer;
let gateway: RunningGateway;
let worker: AuditWorker;
let pool: UpstreamPool;
let spoolDir: string;
const keys: Record<string, { key: string; id: string }> = {};

function childPids(): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(process.pid)], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "e2e" });
  everything = await startEverythingServer();
  pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const memory = memoryServerSpec();
  const file = configFile.parse({
    servers: [
      { name: "everything", transport: "streamable-http", url: everything.url },
      { name: "memory", transport: "stdio", command: memory.command, args: memory.args, env: memory.env },
    ],
    teams: [{ name: "platform" }, { name: "data" }],
    agents: [
      { name: "ci-bot", team: "platform" },
      { name: "analyst", team: "data" },
    ],
    grants: [
      { team: "platform", server: "everything", tools: ["echo", "get-sum"], effect: "allow" },
      { agent: "ci-bot", server: "memory", tools: ["*"], effect: "allow" },
      { agent: "ci-bot", server: "memory", tools: ["delete_*"], effect: "deny" },
    ],
  });
  const deps = { db: database.db, redis, names, pool, secretKey: TEST_SECRET_KEY };
  const applied = await applyAndPublish(deps, file, { actor, env: {} });
  expect(applied.syncs.everything).not.toHaveProperty("error");
  expect(applied.syncs.memory).not.toHaveProperty("error");

  for (const agent of ["ci-bot", "analyst"]) {
    const created = await createApiKey(database.db, { agentName: agent, actor });
    keys[agent] = { key: created.key, id: created.id };
  }
  const { version } = await publishSnapshot(database.db, redis, names, {
    secretKey: TEST_SECRET_KEY,
    createdBy: "e2e",
    summary: "keys",
  });

  spoolDir = await mkdtemp(join(tmpdir(), "pc-e2e-spool-"));
  gateway = await startTestGateway({
    names,
    spoolDir,
  });
  await waitForVersion(gateway, version);
  worker = startAuditWorker({
    redis: { url: "redis://127.0.0.1:6379" },
    names,
    handler: async (events) => {
      await ingestAuditEvents(database.db, events);
    },
  });
  await worker.ready();
}, 120_000);

afterAll(async () => {
  await gateway?.close(2_000);
  await worker?.close();
  await pool?.close();
  await everything?.close();
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database?.drop();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

describe.each(CLIENTS)("an agent on revision $revision", ({ connect }) => {
  it("sees exactly its granted tools from both upstreams and calls them", async () => {
    const client = await connect(gateway.url, keys["ci-bot"]!.key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names.filter((n) => n.startsWith("everything__")).sort()).toEqual([
      "everything__echo",
      "everything__get-sum",
    ]);
    const memoryTools = names.filter((n) => n.startsWith("memory__"));
    expect(memoryTools).toContain("memory__create_entities");
    expect(memoryTools).toContain("memory__read_graph");
    expect(memoryTools.some((n) => n.startsWith("memory__delete_"))).toBe(false);

    const sum = await client.callTool("everything__get-sum", { a: 20, b: 22 });
    expect(JSON.stringify(sum.content)).toContain("42");
    await client.callTool("memory__create_entities", {
      entities: [
        { name: `Portcullis-${client.revision}`, entityType: "project", observations: ["an MCP gateway"] },
      ],
    });
    const graph = await client.callTool("memory__read_graph", {});
    expect(JSON.stringify(graph.content)).toContain(`Portcullis-${client.revision}`);
    await client.close();
  });

  it("lets another team's agent see only its team's grants (none here)", async () => {
    const client = await connect(gateway.url, keys.analyst!.key);
    expect((await client.listTools()).tools).toEqual([]);
    await expect(client.callTool("everything__echo", { message: "x" })).rejects.toThrow(/default deny/);
    await client.close();
  });
});

describe("audit in Postgres", () => {
  it("stores one event per call with the decision, through BullMQ and the worker", async () => {
    const client = await CLIENTS[1].connect(gateway.url, keys["ci-bot"]!.key);
    await client.callTool("everything__echo", { message: "to the audit log" });
    await client.close();
    let row = null;
    for (let i = 0; i < 100 && !row; i++) {
      row = await database.db.auditEvent.findFirst({
        where: { toolName: "echo", decision: "allowed", agentName: "ci-bot" },
      });
      if (!row) await new Promise((r) => setTimeout(r, 50));
    }
    expect(row).toMatchObject({
      serverName: "everything",
      method: "tools/call",
      isError: false,
      protocolVersion: "2026-07-28",
    });
    expect(row?.arguments).toEqual({ message: "to the audit log" });
    const denied = await database.db.auditEvent.count({
      where: { agentName: "analyst", decision: "denied" },
    });
    expect(denied).toBeGreaterThanOrEqual(1);
  });
});

describe("key revocation through the control plane", () => {
  it("refuses the revoked key at the gateway within a second", async () => {
    const created = await createApiKey(database.db, { agentName: "ci-bot", actor });
    await waitForVersion(
      gateway,
      (await publishSnapshot(database.db, redis, names, { secretKey: TEST_SECRET_KEY, createdBy: "e2e" }))
        .version,
    );
    const client = await CLIENTS[0].connect(gateway.url, created.key);
    await client.listTools();
    await revokeApiKey(database.db, { keyIdOrPrefix: created.id, actor });
    const started = Date.now();
    await publishSnapshot(database.db, redis, names, {
      secretKey: TEST_SECRET_KEY,
      createdBy: "e2e",
      summary: "revoke",
    });
    let refused = false;
    while (!refused && Date.now() - started < 2_000) {
      const res = await fetch(gateway.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${created.key}`,
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      await res.body?.cancel();
      refused = res.status === 401;
    }
    expect(refused).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    await client.close().catch(() => undefined);
  });
});

describe("stdio upstream lifecycle", () => {
  it("runs one memory process for all agents and leaves none behind after shutdown", async () => {
    expect(gateway.pool.stats().stdioProcesses).toBe(1);
    const pids = gateway.pool.stats().pids;
    expect(pids).toHaveLength(1);
    await gateway.close(2_000);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(childPids().filter((p) => pids.includes(p))).toEqual([]);
  });
});
