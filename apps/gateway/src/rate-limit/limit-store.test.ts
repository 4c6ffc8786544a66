import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LimitStore } from "./limit-store";

const REDIS_URL = "redis://127.0.0.1:6379";
let admin: Redis;
let stores: LimitStore[];
let names: RedisNames;
let seq = 0;
const member = () => `m${++seq}`;
const key = (name: string) => `${names.rateLimitPrefix}:${name}`;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
beforeEach(() => {
  names = testRedisNames("rl");
  // Two stores: two connections, as two gateway replicas would have.
  stores = [new LimitStore({ redisUrl: REDIS_URL }), new LimitStore({ redisUrl: REDIS_URL })];
});
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await cleanupRedisPrefix(admin, names.prefix);
});
afterAll(() => admin.disconnect());

describe("LimitStore.check", () => {
  it("lets exactly max calls through under concurrency from two connections", async () => {
    const keys = [key("burst")];
    const args = ["s", "60000", "25"];
    const verdicts = await Promise.all(
      Array.from({ length: 120 }, (_, i) => stores[i % 2]!.check(keys, args, member())),
    );
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(25);
    expect(await admin.zcard(keys[0]!)).toBe(25);
  });

  it("says when the sliding window has room again, and that moment is right", async () => {
    const keys = [key("second")];
    const args = ["s", "1000", "2"];
    const store = stores[0]!;
    expect(await store.check(keys, args, member())).toEqual({ allowed: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(await store.check(keys, args, member())).toEqual({ allowed: true });
    const refused = await store.check(keys, args, member());
    if (refused.allowed) throw new Error("third call should be refused");
    // The first call leaves the window ~800 ms from now.
    expect(refused.retryAfterMs).toBeGreaterThan(600);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(800);
    await new Promise((r) => setTimeout(r, refused.retryAfterMs + 5));
    expect(await store.check(keys, args, member())).toEqual({ allowed: true });
    expect(await store.check(keys, args, member())).toMatchObject({ allowed: false });
  });

  it("consumes nothing when one of several limits is full, and names the one to wait for", async () => {
    const keys = [key("roomy"), key("full-minute"), key("full-day")];
    const args = ["s", "60000", "100", "s", "60000", "1", "d", "86400000", "1"];
    const store = stores[0]!;
    expect(await store.check(keys, args, member())).toEqual({ allowed: true });
    const refused = await store.check(keys, args, member());
    // Both small limits are full; the daily quota waits longest (until 00:00 UTC).
    const msToMidnight = 86_400_000 - (Date.now() % 86_400_000);
    expect(refused).toMatchObject({ allowed: false, index: 2 });
    if (refused.allowed) return;
    expect(Math.abs(refused.retryAfterMs - msToMidnight)).toBeLessThan(5_000);
    expect(await admin.zcard(keys[0]!)).toBe(1);
    expect(await admin.get(keys[2]!)).toBe("1");
  });

  it("gives every counter a TTL: sliding windows just over their span, quotas until 00:00 UTC", async () => {
    const keys = [key("w"), key("q")];
    await stores[0]!.check(keys, ["s", "60000", "5", "d", "86400000", "5"], member());
    const windowTtl = await admin.pttl(keys[0]!);
    expect(windowTtl).toBeGreaterThan(60_000);
    expect(windowTtl).toBeLessThanOrEqual(61_000);
    const midnight = Math.ceil((Date.now() + 1) / 86_400_000) * 86_400_000;
    expect(Math.abs((await admin.pexpiretime(keys[1]!)) - midnight)).toBeLessThan(1_000);
  });
});
