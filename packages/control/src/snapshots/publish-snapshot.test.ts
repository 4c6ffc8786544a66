import { secretKeyFrom } from "@portcullis/auth/secrets";
import { isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { configSnapshot } from "@portcullis/contracts/snapshot";
import { writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { freePort } from "@portcullis/testkit/ports";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalHash, canonicalJson } from "../canonical-json";
import { compileSnapshot } from "./compile-snapshot";
import { publishSnapshot, republishLatest } from "./publish-snapshot";

const secretKey = secretKeyFrom("control-snapshot-test-secret-0123456789abcdef");
let database: TestDatabase;
let redis: Redis;
const prefixes: string[] = [];
const ids = {
  org: newId("organization"),
  team: newId("team"),
  agent: newId("agent"),
  server: newId("server"),
  live: newId("apiKey"),
  revoked: newId("apiKey"),
  expired: newId("apiKey"),
  expiring: newId("apiKey"),
};

function names() {
  const n = testRedisNames("control-snapshot");
  prefixes.push(n.prefix);
  return n;
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_snapshot" });
  redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
  const { db } = database;
  await db.organization.create({ data: { id: ids.org, name: "Acme", slug: "acme" } });
  await db.team.create({ data: { id: ids.team, orgId: ids.org, name: "platform" } });
  await db.agent.create({ data: { id: ids.agent, orgId: ids.org, teamId: ids.team, name: "ci-bot" } });
  const key = (id: string, extra: object = {}) => ({
    id,
    orgId: ids.org,
    agentId: ids.agent,
    prefix: "pcs_x",
    hash: `hash-${id}`,
    ...extra,
  });
  await db.apiKey.createMany({
    data: [
      key(ids.live),
      key(ids.revoked, { revokedAt: new Date() }),
      key(ids.expired, { expiresAt: new Date(Date.now() - 60_000) }),
      key(ids.expiring, { expiresAt: new Date(Date.now() + 3_600_000) }),
    ],
  });
  await db.server.create({
    data: {
      id: ids.server,
      orgId: ids.org,
      name: "everything",
      transport: "streamable_http",
      url: "http://127.0.0.1:1/mcp",
      secrets: "v1.sealed.value.here",
    },
  });
  await db.tool.create({
    data: {
      id: newId("tool"),
      orgId: ids.org,
      serverId: ids.server,
      upstreamName: "echo",
      exposedName: "everything__echo",
      inputSchema: { type: "object" },
      riskClass: "read",
      riskOverride: "destructive",
      definitionHash: "h1",
    },
  });
  await db.grant.create({
    data: {
      id: newId("grant"),
      orgId: ids.org,
      teamId: ids.team,
      serverId: ids.server,
      toolPattern: "*",
      effect: "allow",
    },
  });
});

afterAll(async () => {
  for (const prefix of prefixes) await cleanupRedisPrefix(redis, prefix);
  redis?.disconnect();
  await database?.drop();
});

describe("compileSnapshot", () => {
  it("publishes live keys only, contract transports, sealed secrets and effective risk", async () => {
    const doc = await compileSnapshot(database.db, 9);
    expect(configSnapshot.parse(doc).version).toBe(9);
    expect(doc.keys.map((k) => k.id).sort()).toEqual([ids.live, ids.expiring].sort());
    expect(doc.keys.find((k) => k.id === ids.expiring)?.expiresAt).not.toBeNull();
    expect(doc.agents).toEqual([
      {
        id: ids.agent,
        orgId: ids.org,
        name: "ci-bot",
        teamId: ids.team,
        teamName: "platform",
        status: "active",
      },
    ]);
    expect(doc.servers[0]).toMatchObject({ transport: "streamable-http", secrets: "v1.sealed.value.here" });
    expect(doc.tools[0]).toMatchObject({
      exposedName: "everything__echo",
      riskClass: "destructive",
      status: "active",
    });
    expect(doc.grants).toHaveLength(1);
  });
});

describe("publishSnapshot", () => {
  it("stores increasing versions, writes Redis and announces each version", async () => {
    const n = names();
    const subscriber = new Redis("redis://127.0.0.1:6379");
    const messages: string[] = [];
    subscriber.on("message", (_channel, message) => messages.push(message));
    await subscriber.subscribe(n.snapshotChannel);
    try {
      const first = await publishSnapshot(database.db, redis, n, {
        secretKey,
        createdBy: "test",
        summary: "one",
      });
      const second = await publishSnapshot(database.db, redis, n, { secretKey });
      expect(second.version).toBe(first.version + 1);
      expect(await redis.get(n.snapshotVersion)).toBe(String(second.version));
      const doc = configSnapshot.parse(JSON.parse((await redis.get(n.snapshotDoc))!));
      expect(doc.version).toBe(second.version);
      const row = await database.db.configSnapshot.findUnique({ where: { version: first.version } });
      expect(row).toMatchObject({ hash: first.hash, createdBy: "test", summary: "one" });
      await expect.poll(() => messages).toEqual([String(first.version), String(second.version)]);
    } finally {
      subscriber.disconnect();
    }
  });

  it("serves each change at once, the text a full compile gives, stored and hashed as served", async () => {
    const n = names();
    await publishSnapshot(database.db, redis, n, { secretKey });
    // The tool's risk pinned by raw SQL, as no console path would: the next publish still sees it.
    await database.db.$executeRaw`UPDATE tools SET risk_override = 'read' WHERE server_id = ${ids.server}`;
    const published = await publishSnapshot(database.db, redis, n, { secretKey });
    const served = (await redis.get(n.snapshotDoc))!;
    expect(JSON.parse(served).tools.map((t: { riskClass: string }) => t.riskClass)).toEqual(["read"]);
    const full = await compileSnapshot(
      database.db,
      published.version,
      {},
      new Date(JSON.parse(served).createdAt),
    );
    expect(served).toBe(canonicalJson(full));
    expect(published.hash).toBe(canonicalHash(full));
    const row = await database.db.configSnapshot.findUniqueOrThrow({ where: { version: published.version } });
    expect(canonicalJson(row.document)).toBe(served);
    await database.db
      .$executeRaw`UPDATE tools SET risk_override = 'destructive' WHERE server_id = ${ids.server}`;
  });

  it("never lets an older version overwrite a newer one, and allocates above what Redis serves", async () => {
    const n = names();
    await redis.set(n.snapshotVersion, "500");
    await redis.set(n.snapshotDoc, "newer");
    expect(await writeSnapshotToRedis(redis, n, 499, "older", secretKey)).toBe(false);
    expect(await redis.get(n.snapshotDoc)).toBe("newer");

    // A reset database must not publish versions Redis would refuse as older.
    const published = await publishSnapshot(database.db, redis, n, { secretKey });
    expect(published.version).toBe(501);
    expect(JSON.parse((await redis.get(n.snapshotDoc))!).version).toBe(501);
  });

  it("keeps the stored row and says so when Redis is down; republishLatest catches Redis up", async () => {
    const n = names();
    const down = new Redis({
      port: await freePort(),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on("error", () => {});
    const error = await publishSnapshot(database.db, down, n, { secretKey }).catch((e: unknown) => e);
    down.disconnect();
    expect(isAppError(error) && error.code).toBe("UNAVAILABLE");
    expect((error as Error).message).toMatch(/stored in Postgres but could not be written to Redis/);
    const version = (error as { details: { version: number } }).details.version;
    expect(await database.db.configSnapshot.findUnique({ where: { version } })).not.toBeNull();

    const caughtUp = await republishLatest(database.db, redis, n, secretKey);
    expect(caughtUp).toMatchObject({ version, written: true });
    expect(await redis.get(n.snapshotVersion)).toBe(String(version));
    expect((await republishLatest(database.db, redis, n, secretKey)).written).toBe(false);
  });
});
