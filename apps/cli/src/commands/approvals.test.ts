import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { approvalArgumentsHash } from "@portcullis/contracts/approval-policy";
import { newId } from "@portcullis/contracts/ids";
import { approvalDecisionKey } from "@portcullis/contracts/redis-keys";
import { persistApprovalRequest } from "@portcullis/control/approvals/persist-approval-request";
import { ApprovalQueue } from "@portcullis/queues/approval-queue";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `portcullis approvals list / approve / deny`, run as a person runs them.
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");
const names = testRedisNames("cli-approvals");
const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
let database: TestDatabase;
let queue: ApprovalQueue;
const ids: Record<string, string> = {};

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ["apps/cli/src/main.ts", ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: database.url,
          REDIS_PREFIX: names.prefix,
          // Decisions are signed: the CLI needs the installation key to publish one.
          PORTCULLIS_SECRET_KEY: "cli-approvals-test-secret-0123456789abcdef",
        },
        timeout: 150_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "cli_approvals" });
  queue = new ApprovalQueue({ names, connection: redis });
  const db = database.db;
  const orgId = newId("organization");
  await db.organization.create({ data: { id: orgId, name: "Acme", slug: "acme" } });
  const userIds: Record<string, string> = {};
  for (const [person, role] of [
    ["approver", "approver"],
    ["approver-elsewhere", "approver"],
    ["auditor", "auditor"],
  ] as const) {
    const id = newId("user");
    userIds[person] = id;
    await db.user.create({ data: { id, email: `${person}@example.com` } });
    await db.membership.create({ data: { id: newId("membership"), orgId, userId: id, role } });
  }
  const teamId = newId("team");
  await db.team.create({ data: { id: teamId, orgId, name: "ops" } });
  // Approvers decide their own teams' requests: approver is in ops, approver-elsewhere is not.
  await db.teamMember.create({ data: { id: newId("teamMember"), teamId, userId: userIds.approver! } });
  const agentId = newId("agent");
  await db.agent.create({ data: { id: agentId, orgId, teamId, name: "ops-bot" } });
  const serverId = newId("server");
  await db.server.create({ data: { id: serverId, orgId, name: "db", transport: "stdio", command: "true" } });
  for (const table of ["users", "orders"]) {
    const approvalId = newId("approval");
    ids[table] = approvalId;
    const args = { table };
    await persistApprovalRequest(
      db,
      {
        approvalId,
        orgId,
        agentId,
        agentName: "ops-bot",
        teamId,
        keyId: null,
        onBehalfOf: null,
        serverId,
        serverName: "db",
        toolName: "drop_table",
        exposedName: "db__drop_table",
        toolId: "tool_x",
        arguments: args,
        argumentsHash: await approvalArgumentsHash(args),
        riskClass: "destructive",
        reason: "Dropping tables needs a DBA",
        source: { type: "grant", id: "grt_x", name: null },
        highlights: [],
        requestId: newId("request"),
        requestedAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
      },
      queue,
    );
  }
}, 60_000);

afterAll(async () => {
  await queue?.close();
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database?.drop();
});

describe("portcullis approvals", () => {
  it("lists waiting requests, approves one and denies the other with a reason", {
    timeout: 180_000,
  }, async () => {
    const list = await cli("approvals", "list");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+EXPIRES\s+AGENT\s+ON BEHALF OF\s+TOOL\s+RISK\s+ARGUMENTS\s+REASON/);
    expect(list.stdout).toContain(ids.users);
    expect(list.stdout).toMatch(
      /ops-bot\s+-\s+db__drop_table\s+destructive\s+\{"table":"users"\}\s+Dropping tables/,
    );

    // Spawns are slow on a busy machine: the independent ones run side by side.
    const [refused, outsideTeam, approved, denied] = await Promise.all([
      cli("approvals", "approve", ids.users!, "--as", "auditor@example.com"),
      cli("approvals", "deny", ids.users!, "--as", "approver-elsewhere@example.com", "--reason", "no"),
      cli("approvals", "approve", ids.users!, "--as", "approver@example.com", "--comment", "backup taken"),
      cli(
        "approvals",
        "deny",
        ids.orders!,
        "--as",
        "approver@example.com",
        "--reason",
        "use the archive job",
      ),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "[FORBIDDEN] not allowed: deciding approvals needs the 'approvals.decide' permission",
    );
    expect(outsideTeam).toMatchObject({
      code: 1,
      stdout: "",
      stderr:
        "error: [FORBIDDEN] not allowed: you are not an approver of team 'ops': only its members with the approver role, owners and admins can decide its requests\n",
    });
    expect(approved).toMatchObject({ code: 0, stdout: `Approved ${ids.users} as approver@example.com.\n` });
    expect(denied).toMatchObject({ code: 0, stdout: `Denied ${ids.orders} as approver@example.com.\n` });
    expect(JSON.parse((await redis.get(approvalDecisionKey(names, ids.orders!)))!)).toMatchObject({
      status: "denied",
      comment: "use the archive job",
      decidedBy: { name: "approver@example.com" },
    });
    const actor = await database.db.adminAuditLog.findFirstOrThrow({
      where: { targetId: ids.users, action: "approval.approve" },
    });
    expect(actor).toMatchObject({ actorType: "cli", actorName: "approver@example.com" });
  });
});
