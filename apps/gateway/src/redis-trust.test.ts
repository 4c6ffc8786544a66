import type { ApprovalDecisionMessage } from "@portcullis/contracts/jobs";
import { approvalDecisionChannel, approvalDecisionKey } from "@portcullis/contracts/redis-keys";
import { publishApprovalDecision, signDecision } from "@portcullis/queues/approval-protocol";
import { signSnapshot, writeSnapshotToRedis } from "@portcullis/queues/snapshot-protocol";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DecisionWaiters } from "./approvals/decision-waiters";
import { connectModernClient } from "./testing/clients";
import {
  type GatewayHarness,
  startGatewayHarness,
  TEST_SECRET_KEY,
  waitForVersion,
} from "./testing/gateway-harness";

// Redis is not a root of trust (#10 point 3): someone who can write Redis but does not hold
// PORTCULLIS_SECRET_KEY writes forged entries straight into it; the gateway obeys none.

let upstream: FixtureServer;
let h: GatewayHarness;
let key: string;

beforeAll(async () => {
  upstream = await startLegacyHttpServer();
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  h = await startGatewayHarness({
    configure: async (b) => {
      const server = b.server({ name: "alpha", transport: "streamable-http", url: upstream.url });
      b.addTools(server, await pool.listTools(b.upstreamSpecForTest(server)));
      const agent = b.agent("ci-bot", "platform");
      b.grant({ agent }, server, "echo");
      key = b.key(agent).key;
    },
  });
  await pool.close();
  await waitForVersion(h.gateway, 1, 5_000);
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

async function toolNames(): Promise<string[]> {
  const client = await connectModernClient(h.gateway.url, key);
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

describe("a snapshot written straight into Redis", () => {
  it("is refused, audited and logged; the gateway keeps serving the last good one", async () => {
    expect(await toolNames()).toEqual(["alpha__echo"]);
    // The forger grants the agent every tool and announces a newer version, without a MAC…
    const forged = h.builder.build(2);
    for (const grant of forged.grants) grant.toolPattern = "*";
    const text = JSON.stringify(forged);
    const { names, redis } = h;
    await redis.multi().set(names.snapshotDoc, text).set(names.snapshotVersion, "2").exec();
    await redis.publish(names.snapshotChannel, "2");
    const refused = await h.waitForEvents((events) =>
      events.some((e) => e.method === "gateway/snapshot-refused"),
    );
    const event = refused.find((e) => e.method === "gateway/snapshot-refused")!;
    expect(event.reason).toMatch(/snapshot version 2 refused: missing or invalid MAC/);
    expect(event.resultSummary).toBe("kept version 1");
    expect(h.gateway.store.current()?.version).toBe(1);
    expect(h.gateway.store.lastError).toMatch(/version 2 rejected/);
    expect(await toolNames()).toEqual(["alpha__echo"]);

    // …then with a MAC under another key, and with a valid MAC of a different document.
    await redis
      .multi()
      .set(names.snapshotDoc, JSON.stringify({ ...forged, version: 3 }))
      .set(names.snapshotVersion, "3")
      .set(names.snapshotMac, signSnapshot(Buffer.alloc(32, 1), JSON.stringify({ ...forged, version: 3 })))
      .exec();
    await h.waitForEvents((events) => events.some((e) => e.reason?.includes("version 3 refused")));
    const genuine = JSON.stringify(h.builder.build(4));
    await redis
      .multi()
      .set(names.snapshotDoc, JSON.stringify({ ...forged, version: 4 }))
      .set(names.snapshotVersion, "4")
      .set(names.snapshotMac, signSnapshot(TEST_SECRET_KEY, genuine))
      .exec();
    await h.waitForEvents((events) => events.some((e) => e.reason?.includes("version 4 refused")));
    expect(h.gateway.store.current()?.version).toBe(1);

    // The control plane's next publish (signed) is loaded as usual.
    await writeSnapshotToRedis(redis, names, 5, JSON.stringify(h.builder.build(5)), TEST_SECRET_KEY);
    await waitForVersion(h.gateway, 5, 5_000);
    expect(h.gateway.store.lastError).toBeNull();
  });
});

describe("an approval decision written straight into Redis", () => {
  const decision = (
    approvalId: string,
    status: ApprovalDecisionMessage["status"],
  ): ApprovalDecisionMessage => ({
    approvalId,
    status,
    argumentsHash: "a".repeat(64),
    decidedBy: { id: "usr_forger", name: "forger@example.com" },
    comment: null,
    decidedAt: new Date().toISOString(),
  });

  it("settles no waiting call and is reported once; a signed one settles it", async () => {
    const forged: (string | null)[] = [];
    const waiters = new DecisionWaiters({
      redisUrl: "redis://127.0.0.1:6379",
      redis: h.redis,
      names: h.names,
      logger: pino({ level: "silent" }),
      tickMs: 50,
      connectionName: "redis-trust-test",
      secretKey: TEST_SECRET_KEY,
      onForged: (id) => forged.push(id),
    });
    try {
      const waiting = waiters.wait("apr_forged", Date.now() + 1_000);
      await new Promise((r) => setTimeout(r, 100));
      const approved = JSON.stringify(decision("apr_forged", "approved"));
      // Key and channel, unsigned and signed with another key: read again every tick.
      await h.redis.set(approvalDecisionKey(h.names, "apr_forged"), approved);
      await h.redis.publish(approvalDecisionChannel(h.names), signDecision(Buffer.alloc(32, 2), approved));
      expect(await waiting).toBeNull();
      expect(forged).toEqual(["apr_forged"]);

      const genuine = waiters.wait("apr_real", Date.now() + 5_000);
      await publishApprovalDecision(
        h.redis,
        h.names,
        decision("apr_real", "denied"),
        new Date(),
        TEST_SECRET_KEY,
      );
      expect(await genuine).toMatchObject({ approvalId: "apr_real", status: "denied" });
    } finally {
      waiters.close(() => new Error("closed"));
    }
  });
});
