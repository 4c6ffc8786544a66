import type { ApprovalDecisionMessage } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  claimApprovedCall,
  indexPendingApproval,
  publishApprovalDecision,
  readApprovalDecision,
  readApprovalDecisions,
  releasePendingApproval,
  signDecision,
  subscribeToApprovalDecisions,
} from "./approval-protocol";
import {
  readRedisSnapshotVersion,
  readSnapshotIfNewer,
  signSnapshot,
  subscribeToSnapshots,
  writeSnapshotToRedis,
} from "./snapshot-protocol";

// Both ends of each protocol against the real local Redis, under a prefix per test.
const REDIS_URL = "redis://127.0.0.1:6379";
const KEY = Buffer.alloc(32, 7);
const trust = { secretKey: KEY };
let redis: Redis;
let subscriber: Redis;
let names: RedisNames;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(() => redis.disconnect());
beforeEach(() => {
  names = testRedisNames("protocols");
  subscriber = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterEach(async () => {
  subscriber.disconnect();
  await cleanupRedisPrefix(redis, names.prefix);
});

const nextMessage = <T>(register: (deliver: (value: T) => void) => Promise<void>) =>
  new Promise<T>((resolve, reject) => {
    register(resolve).catch(reject);
  });

describe("snapshot protocol", () => {
  it("delivers what the control plane writes to a reader that holds an older version", async () => {
    const announced = nextMessage<void>((deliver) => subscribeToSnapshots(subscriber, names, deliver));
    // Subscribed before the write: the announcement cannot be missed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readSnapshotIfNewer(redis, names, -1, -1, KEY)).toBeNull();
    expect(await writeSnapshotToRedis(redis, names, 3, '{"version":3}', KEY)).toBe(true);
    await announced;
    expect(await readRedisSnapshotVersion(redis, names)).toBe(3);
    expect(await readSnapshotIfNewer(redis, names, 2, -1, KEY)).toEqual({
      version: 3,
      documentJson: '{"version":3}',
      authentic: true,
    });
    // Nothing new for a reader at 3, or one that refused 3 already.
    expect(await readSnapshotIfNewer(redis, names, 3, -1, KEY)).toBeNull();
    expect(await readSnapshotIfNewer(redis, names, 2, 3, KEY)).toBeNull();
  });

  it("never lets an older version overwrite a newer one", async () => {
    expect(await writeSnapshotToRedis(redis, names, 5, '{"version":5}', KEY)).toBe(true);
    expect(await writeSnapshotToRedis(redis, names, 4, '{"version":4}', KEY)).toBe(false);
    expect(await readSnapshotIfNewer(redis, names, 0, -1, KEY)).toEqual({
      version: 5,
      documentJson: '{"version":5}',
      authentic: true,
    });
  });

  it("marks a document written straight into Redis, unsigned or signed with another key, as not authentic", async () => {
    expect(await writeSnapshotToRedis(redis, names, 1, '{"version":1}', KEY)).toBe(true);
    // An attacker with Redis access but without the key: a newer version, no MAC.
    await redis.multi().set(names.snapshotDoc, '{"version":2}').set(names.snapshotVersion, "2").exec();
    expect(await readSnapshotIfNewer(redis, names, 1, -1, KEY)).toMatchObject({
      version: 2,
      authentic: false,
    });
    // The old MAC kept beside a changed document does not verify either.
    await redis.set(names.snapshotMac, signSnapshot(KEY, '{"version":1}'));
    expect(await readSnapshotIfNewer(redis, names, 1, -1, KEY)).toMatchObject({ authentic: false });
    // Signed with another installation's key.
    await writeSnapshotToRedis(redis, names, 3, '{"version":3}', Buffer.alloc(32, 8));
    expect(await readSnapshotIfNewer(redis, names, 1, -1, KEY)).toMatchObject({
      version: 3,
      authentic: false,
    });
  });
});

describe("approval protocol", () => {
  const decision = (
    approvalId: string,
    status: ApprovalDecisionMessage["status"],
  ): ApprovalDecisionMessage => ({
    approvalId,
    status,
    argumentsHash: "h",
    decidedBy: { id: "usr_1", name: "approver@example.com" },
    comment: null,
    decidedAt: new Date().toISOString(),
  });

  it("delivers a published decision to subscribers and to readers that come late", async () => {
    const received = nextMessage<ApprovalDecisionMessage>((deliver) =>
      subscribeToApprovalDecisions(subscriber, names, trust, deliver),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const approved = decision("apr_1", "approved");
    await publishApprovalDecision(redis, names, approved, new Date(Date.now() + 60_000), KEY);
    expect(await received).toEqual(approved);
    expect(await readApprovalDecision(redis, names, "apr_1", trust)).toEqual(approved);
    expect(await readApprovalDecision(redis, names, "apr_2", trust)).toBeNull();
    await publishApprovalDecision(redis, names, decision("apr_3", "denied"), new Date(), KEY);
    expect(
      (await readApprovalDecisions(redis, names, ["apr_1", "apr_2", "apr_3"], trust)).map((d) => d.status),
    ).toEqual(["approved", "denied"]);
  });

  it("refuses decisions written straight into Redis without the key, and reports them", async () => {
    const forged: (string | null)[] = [];
    const watching = { secretKey: KEY, onForged: (id: string | null) => forged.push(id) };
    const approved = decision("apr_9", "approved");
    const key = `${names.prefix}:approval:decision:apr_9`;
    // Unsigned, as the control plane wrote it before decisions were signed.
    await redis.set(key, JSON.stringify(approved));
    expect(await readApprovalDecision(redis, names, "apr_9", watching)).toBeNull();
    // Signed with another key; and a correct MAC over a different decision (denied → approved).
    await redis.set(key, signDecision(Buffer.alloc(32, 9), JSON.stringify(approved)));
    expect(await readApprovalDecision(redis, names, "apr_9", watching)).toBeNull();
    const signedDenied = signDecision(KEY, JSON.stringify(decision("apr_9", "denied")));
    await redis.set(key, signedDenied.replace('"status":"denied"', '"status":"approved"'));
    expect(await readApprovalDecisions(redis, names, ["apr_9"], watching)).toEqual([]);
    expect(forged).toEqual(["apr_9", "apr_9", "apr_9"]);
    // Published on the channel: the subscriber drops it too, and still delivers a genuine one.
    const received: ApprovalDecisionMessage[] = [];
    await subscribeToApprovalDecisions(subscriber, names, watching, (d) => received.push(d));
    await redis.publish(`${names.prefix}:approval:decisions`, JSON.stringify(approved));
    await publishApprovalDecision(redis, names, decision("apr_10", "denied"), new Date(), KEY);
    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received.map((d) => d.approvalId)).toEqual(["apr_10"]);
    expect(forged).toHaveLength(4);
  });

  it("indexes one pending request per call, releases only its own entry and lets one call claim it", async () => {
    const call = { agentId: "agt_1", toolId: "tool_1", argumentsHash: "h" };
    const first = { id: "apr_1", expiresAt: Date.now() + 60_000 };
    expect(await indexPendingApproval(redis, names, call, first, 60_000)).toBeNull();
    // The same call again (a retry, another replica) re-attaches to the first request.
    expect(await indexPendingApproval(redis, names, call, { id: "apr_2", expiresAt: 0 }, 60_000)).toEqual(
      first,
    );
    await releasePendingApproval(redis, names, call, "apr_other");
    expect(await indexPendingApproval(redis, names, call, { id: "apr_3", expiresAt: 0 }, 60_000)).toEqual(
      first,
    );
    await releasePendingApproval(redis, names, call, "apr_1");
    expect(await indexPendingApproval(redis, names, call, { id: "apr_4", expiresAt: 1 }, 60_000)).toBeNull();

    expect(await claimApprovedCall(redis, names, "apr_1", "req_a", 60_000)).toBe(true);
    expect(await claimApprovedCall(redis, names, "apr_1", "req_b", 60_000)).toBe(false);
  });
});
