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
  subscribeToApprovalDecisions,
} from "./approval-protocol";
import {
  readRedisSnapshotVersion,
  readSnapshotIfNewer,
  subscribeToSnapshots,
  writeSnapshotToRedis,
} from "./snapshot-protocol";

// Both ends of each protocol against the real local Redis, under a prefix per test.
const REDIS_URL = "redis://127.0.0.1:6379";
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
    expect(await readSnapshotIfNewer(redis, names, -1, -1)).toBeNull();
    expect(await writeSnapshotToRedis(redis, names, 3, '{"version":3}')).toBe(true);
    await announced;
    expect(await readRedisSnapshotVersion(redis, names)).toBe(3);
    expect(await readSnapshotIfNewer(redis, names, 2, -1)).toEqual({
      version: 3,
      documentJson: '{"version":3}',
    });
    // Nothing new for a reader at 3, or one that refused 3 already.
    expect(await readSnapshotIfNewer(redis, names, 3, -1)).toBeNull();
    expect(await readSnapshotIfNewer(redis, names, 2, 3)).toBeNull();
  });

  it("never lets an older version overwrite a newer one", async () => {
    expect(await writeSnapshotToRedis(redis, names, 5, '{"version":5}')).toBe(true);
    expect(await writeSnapshotToRedis(redis, names, 4, '{"version":4}')).toBe(false);
    expect(await readSnapshotIfNewer(redis, names, 0, -1)).toEqual({
      version: 5,
      documentJson: '{"version":5}',
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
      subscribeToApprovalDecisions(subscriber, names, deliver),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const approved = decision("apr_1", "approved");
    await publishApprovalDecision(redis, names, approved, new Date(Date.now() + 60_000));
    expect(await received).toEqual(approved);
    expect(await readApprovalDecision(redis, names, "apr_1")).toEqual(approved);
    expect(await readApprovalDecision(redis, names, "apr_2")).toBeNull();
    await publishApprovalDecision(redis, names, decision("apr_3", "denied"), new Date());
    expect(
      (await readApprovalDecisions(redis, names, ["apr_1", "apr_2", "apr_3"])).map((d) => d.status),
    ).toEqual(["approved", "denied"]);
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
