import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { configFile } from "@portcullis/contracts/config-file";
import { newId } from "@portcullis/contracts/ids";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { decideApproval } from "@portcullis/control/approvals/decide-approval";
import { type ApprovalView, listApprovals } from "@portcullis/control/approvals/list-approvals";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import type { ApprovalQueue } from "@portcullis/queues/approval-queue";
import type { ApprovalWorker } from "@portcullis/queues/approval-worker";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RunningGateway } from "./start-gateway";
import { startApprovalsBackend } from "./testing/approvals-backend";
import { startTestGateway, TEST_SECRET_KEY, waitForVersion } from "./testing/gateway-harness";

// Issue 4: an `approve` grant with an argument condition, written in the apply file, enforced
// by a real gateway: calls that do not match run at once, calls that match wait for a person.
const REDIS_URL = "redis://127.0.0.1:6379";
const names = testRedisNames("grant-condition");
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const actor = { type: "cli" as const, name: "grant-condition-test" };
let database: TestDatabase;
let fixture: FixtureServer;
let gateway: RunningGateway;
let approvalWorker: ApprovalWorker;
let queue: ApprovalQueue;
let spoolDir: string;
let orgId: string;
let approverId: string;
let key: string;
const deployed: string[] = [];
const promoted: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ name: "grant_condition" });
  fixture = await startLegacyHttpServer({
    tag: "grant-condition",
    tools: {
      deploy: {
        description: "Deploys to an environment.",
        inputSchema: { env: z.string() },
        handler: ({ env }: { env: string }) => {
          deployed.push(env);
          return { content: [{ type: "text", text: `deployed to ${env}` }] };
        },
      },
      promote: {
        description: "Promotes a build to an environment.",
        inputSchema: { env: z.string() },
        handler: ({ env }: { env: string }) => {
          promoted.push(env);
          return { content: [{ type: "text", text: `promoted to ${env}` }] };
        },
      },
    },
  });
  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const file = configFile.parse({
    organization: "acme",
    servers: [{ name: "fx", transport: "streamable-http", url: fixture.url }],
    teams: [{ name: "ops" }],
    agents: [{ name: "deploy-bot", team: "ops" }],
    grants: [
      {
        agent: "deploy-bot",
        server: "fx",
        tools: ["deploy"],
        effect: "approve",
        reason: "Production deploys need a human",
        condition: { path: "env", in: ["prod"] },
      },
      {
        agent: "deploy-bot",
        server: "fx",
        tools: ["promote"],
        effect: "approve",
        reason: "Promotions to production need a human",
        condition: { path: "env", in: ["prod"], normalize: ["trim", "ignore-case"] },
      },
    ],
  });
  await applyAndPublish({ db: database.db, redis, names, pool, secretKey: TEST_SECRET_KEY }, file, {
    actor,
    env: {},
  });
  await pool.close();
  const { db } = database;
  orgId = (await db.organization.findUniqueOrThrow({ where: { slug: "acme" } })).id;
  const ownerId = newId("user");
  approverId = newId("user");
  await db.user.create({ data: { id: ownerId, email: "owner@example.com", name: "owner" } });
  await db.user.create({ data: { id: approverId, email: "approver@example.com", name: "approver" } });
  await db.membership.create({ data: { id: newId("membership"), orgId, userId: ownerId, role: "owner" } });
  await db.membership.create({
    data: { id: newId("membership"), orgId, userId: approverId, role: "approver" },
  });
  const team = await db.team.findFirstOrThrow({ where: { orgId, name: "ops" } });
  await db.teamMember.create({ data: { id: newId("teamMember"), teamId: team.id, userId: approverId } });
  key = (
    await createApiKey(db, {
      orgId,
      agentName: "deploy-bot",
      actor: { type: "user", id: ownerId, name: "owner@example.com" },
    })
  ).key;
  // Keys travel in the snapshot: publish again now that the agent has one.
  await publishSnapshot(db, redis, names, { secretKey: TEST_SECRET_KEY, createdBy: "grant-condition-test" });

  spoolDir = await mkdtemp(join(tmpdir(), "pc-grant-condition-spool-"));
  gateway = await startTestGateway({
    names,
    spoolDir,
    approvals: { progressIntervalMs: 150, expiryGraceMs: 500 },
  });
  await waitForVersion(gateway, Number(await redis.get(names.snapshotVersion)), 5_000);
  ({ queue, worker: approvalWorker } = startApprovalsBackend(REDIS_URL, {
    db,
    redis,
    names,
    webhook: { consoleUrl: "https://console.example.com/" },
    secretKey: TEST_SECRET_KEY,
  }));
  await approvalWorker.ready();
}, 120_000);

afterAll(async () => {
  await gateway?.close(2_000);
  await approvalWorker?.close();
  await queue?.close();
  await fixture?.close();
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database?.drop();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

async function pendingApproval(timeoutMs = 10_000): Promise<ApprovalView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await listApprovals(database.db, { orgId, status: "pending" });
    if (page.items[0]) return page.items[0];
    if (Date.now() > deadline) throw new Error("no pending approval appeared");
    await new Promise((r) => setTimeout(r, 50));
  }
}

type CallResult = { content?: Array<{ type: string; text?: string }> };
const text = (r: CallResult) => r.content?.map((c) => c.text).join("") ?? "";

describe("an approve grant with a condition from the apply file", () => {
  it("runs env=dev at once and holds env=prod until a person approves it", async () => {
    const client = new Client({ name: "deploy-bot-client", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      }),
    );
    const dev = (await client.callTool({ name: "fx__deploy", arguments: { env: "dev" } })) as CallResult;
    expect(text(dev)).toBe("deployed to dev");
    expect(await database.db.approvalRequest.count()).toBe(0);

    const held = client.callTool(
      { name: "fx__deploy", arguments: { env: "prod" } },
      { resetTimeoutOnProgress: true, onprogress: () => {} },
    ) as Promise<CallResult>;
    held.catch(() => {});
    const request = await pendingApproval();
    expect(request).toMatchObject({
      exposedName: "fx__deploy",
      reason: "Production deploys need a human",
      highlights: ["env"],
      source: { type: "grant" },
      arguments: { env: "prod" },
    });
    // Held: the upstream has not seen it while it waits.
    await new Promise((r) => setTimeout(r, 300));
    expect(deployed).toEqual(["dev"]);

    await decideApproval(database.db, redis, names, {
      secretKey: TEST_SECRET_KEY,
      orgId,
      approvalId: request.id,
      decision: "approve",
      deciderId: approverId,
      via: "user",
    });
    expect(text(await held)).toBe("deployed to prod");
    expect(deployed).toEqual(["dev", "prod"]);
    await client.close();
  });
});

describe("argument condition normalization (issue #10 point 10)", () => {
  it('lets "Prod " past an exact condition, and holds it when the condition normalizes', async () => {
    const client = new Client({ name: "deploy-bot-client", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gateway.url), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      }),
    );
    // Exact, as conditions always were: the spaced, re-cased value is not "prod".
    const exact = (await client.callTool({ name: "fx__deploy", arguments: { env: "Prod " } })) as CallResult;
    expect(text(exact)).toBe("deployed to Prod ");

    const held = client.callTool(
      { name: "fx__promote", arguments: { env: "Prod " } },
      { resetTimeoutOnProgress: true, onprogress: () => {} },
    ) as Promise<CallResult>;
    held.catch(() => {});
    const request = await pendingApproval();
    expect(request).toMatchObject({
      exposedName: "fx__promote",
      reason: "Promotions to production need a human",
      highlights: ["env"],
      arguments: { env: "Prod " },
    });
    expect(promoted).toEqual([]);
    await decideApproval(database.db, redis, names, {
      secretKey: TEST_SECRET_KEY,
      orgId,
      approvalId: request.id,
      decision: "deny",
      deciderId: approverId,
      via: "user",
      comment: "not today",
    });
    await expect(held).rejects.toThrow(/not today/);
    expect(promoted).toEqual([]);
    await client.close();
  });
});
