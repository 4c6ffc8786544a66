import type { Role } from "@portcullis/auth/permissions";
import { secretKeyFrom } from "@portcullis/auth/secrets";
import { newId } from "@portcullis/contracts/ids";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import type { ConfigSnapshot } from "@portcullis/contracts/snapshot";
import { CatalogSyncQueue } from "@portcullis/queues/catalog-sync-queue";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { type ApiDeps, createApiContext } from "../context";
import { appRouter } from "../root";

export const REDIS_URL = "redis://127.0.0.1:6379";
export const TEST_SECRET = "api-test-secret-key-0123456789abcdefghij";

/** The people of the main test organization ("acme"), one per role, and an admin of another organization. */
export const PEOPLE = {
  owner: "owner@example.com",
  admin: "admin@example.com",
  approver: "approver@example.com",
  auditor: "auditor@example.com",
  member: "member@example.com",
  outsider: "admin@other.example",
} as const;
export type Person = keyof typeof PEOPLE;

export interface ApiHarness {
  database: TestDatabase;
  redis: Redis;
  secretKey: Buffer;
  orgId: string;
  otherOrgId: string;
  userIds: Record<Person, string>;
  /** Redis names of the current test (a new prefix each `beginTest`). */
  names(): RedisNames;
  deps(): ApiDeps;
  /** A caller signed in as `who` (a person of the harness, or any user id). */
  as(who: Person | { userId: string }): Promise<ReturnType<typeof appRouter.createCaller>>;
  /** Starts a test with a Redis prefix of its own; call in beforeEach. */
  beginTest(): void;
  close(): Promise<void>;
}

/**
 * A migrated database with two organizations and one user per role, a Redis connection,
 * and callers for the real appRouter. Nothing is mocked: procedures run their use cases
 * against Postgres and publish snapshots to Redis under a per-test prefix.
 */
export async function startApiHarness(name: string): Promise<ApiHarness> {
  const database = await createTestDatabase({ name: `api_${name}` });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const secretKey = secretKeyFrom(TEST_SECRET);
  const prefixes: string[] = [];
  let names = testRedisNames(`api-${name}`);
  let queue = new CatalogSyncQueue({ redis: { url: REDIS_URL }, names });
  const queues = [queue];
  prefixes.push(names.prefix);

  const { db } = database;
  const orgId = newId("organization");
  const otherOrgId = newId("organization");
  await db.organization.create({ data: { id: orgId, name: "Acme", slug: "acme" } });
  await db.organization.create({ data: { id: otherOrgId, name: "Other", slug: "other" } });
  const userIds = {} as Record<Person, string>;
  for (const [person, email] of Object.entries(PEOPLE) as Array<[Person, string]>) {
    const id = newId("user");
    userIds[person] = id;
    await db.user.create({ data: { id, email, name: person } });
    const role: Role = person === "outsider" ? "admin" : person;
    await db.membership.create({
      data: { id: newId("membership"), userId: id, orgId: person === "outsider" ? otherOrgId : orgId, role },
    });
  }

  const deps = (): ApiDeps => ({
    db,
    redis,
    names,
    secretKey,
    catalogQueue: queue,
    outbound: LOOPBACK_TEST_POLICY.outbound,
    gatewayUrl: "http://127.0.0.1:4000/mcp",
    consoleUrl: "http://127.0.0.1:3000",
  });

  return {
    database,
    redis,
    secretKey,
    orgId,
    otherOrgId,
    userIds,
    names: () => names,
    deps,
    async as(who) {
      const userId = typeof who === "string" ? userIds[who] : who.userId;
      return appRouter.createCaller(await createApiContext(deps(), { userId }));
    },
    beginTest() {
      names = testRedisNames(`api-${name}`);
      prefixes.push(names.prefix);
      queue = new CatalogSyncQueue({ redis: { url: REDIS_URL }, names });
      queues.push(queue);
    },
    async close() {
      await Promise.all(queues.map((q) => q.close()));
      for (const prefix of prefixes) await cleanupRedisPrefix(redis, prefix);
      redis.disconnect();
      await database.drop();
    },
  };
}

/** The snapshot document Redis serves under `names`. */
export async function servedSnapshot(redis: Redis, names: RedisNames) {
  const raw = await redis.get(names.snapshotDoc);
  if (raw === null) throw new Error("no snapshot in Redis");
  return JSON.parse(raw) as ConfigSnapshot;
}
