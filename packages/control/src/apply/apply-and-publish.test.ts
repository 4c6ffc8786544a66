import { secretKeyFrom } from "@portcullis/auth/secrets";
import { configSnapshot } from "@portcullis/contracts/snapshot";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyAndPublish } from "./apply-and-publish";
import { parseConfigText } from "./load-config-file";

const secretKey = secretKeyFrom("apply-publish-test-secret-0123456789abcdef");
const names = testRedisNames("control-apply");
let database: TestDatabase;
let fixture: FixtureServer;
let pool: UpstreamPool;
let redis: Redis;

beforeAll(async () => {
  [database, fixture] = await Promise.all([
    createTestDatabase({ name: "control_apply_publish" }),
    startLegacyHttpServer(),
  ]);
  pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await cleanupRedisPrefix(redis, names.prefix);
  redis?.disconnect();
  await pool?.close();
  await fixture?.close();
  await database?.drop();
});

describe("applyAndPublish", () => {
  it("syncs new servers, applies waiting risk overrides, reports a dead server and publishes", async () => {
    const file = parseConfigText(`
servers:
  - { name: everything, transport: streamable-http, url: "${fixture.url}" }
  - { name: gone, transport: streamable-http, url: "http://127.0.0.1:${await freePort()}/mcp", timeoutMs: 2000 }
teams: [{ name: platform }]
grants: [{ team: platform, server: everything, tools: [echo] }]
toolRisk: [{ server: everything, tool: echo, risk: destructive }]
`);
    const deps = { db: database.db, redis, names, pool, secretKey };
    const opts = { actor: { type: "cli" as const, name: "test" }, env: {} };

    const result = await applyAndPublish(deps, file, opts);
    expect(result.syncs.everything).toMatchObject({ removed: [], changed: [] });
    expect((result.syncs.everything as { added: string[] }).added).toContain("echo");
    expect(result.syncs.gone).toMatchObject({
      error: expect.stringMatching(/catalog sync of server "gone" failed/),
    });
    expect(result.plan).toContainEqual({ action: "create", kind: "toolRisk", name: "everything/echo" });
    expect(result.plan.some((c) => c.deferred)).toBe(false);

    const served = configSnapshot.parse(JSON.parse((await redis.get(names.snapshotDoc))!));
    expect(served.version).toBe(result.snapshot?.version);
    expect(served.tools.find((t) => t.exposedName === "everything__echo")?.riskClass).toBe("destructive");
    expect(served.grants).toHaveLength(1);

    const again = await applyAndPublish(deps, file, opts);
    expect(result.snapshot?.published).toBe(true);
    expect(again).toEqual({
      plan: [],
      syncs: {},
      snapshot: { version: result.snapshot?.version, published: false },
    });
  });
});
