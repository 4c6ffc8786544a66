import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { approvalArgumentsHash } from "@portcullis/contracts/approval-policy";
import { configFile } from "@portcullis/contracts/config-file";
import { newId } from "@portcullis/contracts/ids";
import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { decideApproval } from "@portcullis/control/approvals/decide-approval";
import { type ApprovalView, listApprovals } from "@portcullis/control/approvals/list-approvals";
import { setTeamWebhook } from "@portcullis/control/approvals/set-team-webhook";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import type { ApprovalQueue } from "@portcullis/queues/approval-queue";
import type { ApprovalWorker } from "@portcullis/queues/approval-worker";
import { type AuditWorker, startAuditWorker } from "@portcullis/queues/audit-worker";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { type FixtureServer, startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { UpstreamPool } from "@portcullis/upstream/pool";
import { LOOPBACK_TEST_POLICY } from "@portcullis/upstream/test-policy";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "./start-gateway";
import { startApprovalsBackend } from "./testing/approvals-backend";
import { startTestGateway, TEST_SECRET_KEY, waitForVersion } from "./testing/gateway-harness";

// Issue 4 with nothing simulated: Postgres, Redis, BullMQ, the gateway, the approval and
// audit workers (the same handlers the worker process runs), a real upstream MCP server and
// real MCP clients. Decisions go through the control-plane use case the console and the CLI call.
const REDIS_URL = "redis://127.0.0.1:6379";
const names = testRedisNames("approvals");
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const actor = { type: "cli" as const, name: "approvals-test" };
let database: TestDatabase;
let fixture: FixtureServer;
let gateway: RunningGateway;
let approvalWorker: ApprovalWorker;
let auditWorker: AuditWorker;
let queue: ApprovalQueue;
let spoolDir: string;
let orgId: string;
let webhook: Server;
const hooks: Array<{ text: string }> = [];
let failNextHook = 0;
const upstream: Array<{ name: string; args: Record<string, unknown> }> = [];
const users: Record<"owner" | "approver" | "approver2" | "member", string> = {
  owner: "",
  approver: "",
  approver2: "",
  member: "",
};
const keys: Record<string, string> = {};

async function startApprovalsGateway(): Promise<RunningGateway> {
  const gw = await startTestGateway({
    names,
    spoolDir,
    approvals: { progressIntervalMs: 150, expiryGraceMs: 500 },
  });
  const version = Number(await redis.get(names.snapshotVersion));
  await waitForVersion(gw, version, 5_000);
  return gw;
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "approvals" });
  fixture = await startLegacyHttpServer({
    tag: "approvals",
    onCall: (name, args) => upstream.push({ name, args }),
  });
  webhook = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      if (failNextHook > 0) {
        failNextHook--;
        res.writeHead(500).end("try again");
        return;
      }
      hooks.push(JSON.parse(body));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", r));

  const pool = new UpstreamPool(LOOPBACK_TEST_POLICY);
  const file = configFile.parse({
    organization: "acme",
    servers: [{ name: "fx", transport: "streamable-http", url: fixture.url }],
    teams: [{ name: "ops" }, { name: "hooks" }],
    agents: [
      { name: "ops-bot", team: "ops" },
      { name: "quick-bot", team: "ops" },
      { name: "policy-bot", team: "ops" },
      { name: "hook-bot", team: "hooks" },
    ],
    grants: [
      {
        agent: "ops-bot",
        server: "fx",
        tools: ["delete-everything"],
        effect: "approve",
        approvalTimeoutSec: 120,
        reason: "Deleting everything needs a human",
      },
      { agent: "ops-bot", server: "fx", tools: ["echo"], effect: "allow" },
      {
        agent: "quick-bot",
        server: "fx",
        tools: ["delete-everything"],
        effect: "approve",
        approvalTimeoutSec: 1,
      },
      { agent: "policy-bot", server: "fx", tools: ["*"], effect: "allow" },
      { agent: "hook-bot", server: "fx", tools: ["delete-everything"], effect: "approve" },
    ],
  });
  await applyAndPublish({ db: database.db, redis, names, pool, secretKey: TEST_SECRET_KEY }, file, {
    actor,
    env: {},
  });
  await pool.close();
  const db = database.db;
  orgId = (await db.organization.findUniqueOrThrow({ where: { slug: "acme" } })).id;
  for (const [person, role] of [
    ["owner", "owner"],
    ["approver", "approver"],
    ["approver2", "approver"],
    ["member", "member"],
  ] as const) {
    const id = newId("user");
    users[person] = id;
    await db.user.create({ data: { id, email: `${person}@example.com`, name: person } });
    await db.membership.create({ data: { id: newId("membership"), orgId, userId: id, role } });
  }
  // Approvers decide the requests of the teams they are members of.
  for (const team of await db.team.findMany({ where: { orgId } })) {
    for (const person of ["approver", "approver2"] as const) {
      await db.teamMember.create({
        data: { id: newId("teamMember"), teamId: team.id, userId: users[person] },
      });
    }
  }
  // The owner creates the keys: their agents act on the owner's behalf.
  const owner = { type: "user" as const, id: users.owner, name: "owner@example.com" };
  for (const agent of ["ops-bot", "quick-bot", "policy-bot", "hook-bot"]) {
    keys[agent] = (await createApiKey(db, { orgId, agentName: agent, actor: owner })).key;
  }
  // An approval policy: confirmed destructive calls of policy-bot need a person.
  const policyBot = await db.agent.findFirstOrThrow({ where: { name: "policy-bot" } });
  await db.policy.create({
    data: {
      id: newId("policy"),
      orgId,
      name: "confirmed-destructive",
      kind: "approval",
      scope: { agents: [policyBot.id] },
      config: {
        riskClasses: ["destructive"],
        when: { path: "confirm", equals: true },
        reason: "Confirmed destructive calls need a human",
      },
    },
  });
  const hooksTeam = await db.team.findFirstOrThrow({ where: { name: "hooks" } });
  await setTeamWebhook(db, {
    orgId,
    teamId: hooksTeam.id,
    url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
    actor,
    secretKey: TEST_SECRET_KEY,
  });
  await publishSnapshot(db, redis, names, { secretKey: TEST_SECRET_KEY, createdBy: "approvals-test" });

  spoolDir = await mkdtemp(join(tmpdir(), "pc-approvals-spool-"));
  gateway = await startApprovalsGateway();
  ({ queue, worker: approvalWorker } = startApprovalsBackend(REDIS_URL, {
    db,
    redis,
    names,
    webhook: { consoleUrl: "https://console.example.com/", secretKey: TEST_SECRET_KEY },
    secretKey: TEST_SECRET_KEY,
  }));
  auditWorker = startAuditWorker({
    redis: { url: REDIS_URL },
    names,
    handler: async (events) => {
      await ingestAuditEvents(db, events);
    },
  });
  await Promise.all([approvalWorker.ready(), auditWorker.ready()]);
}, 120_000);

afterAll(async () => {
  await gateway?.close(2_000);
  await approvalWorker?.close();
  await auditWorker?.close();
  await queue?.close();
  await fixture?.close();
  await new Promise((r) => webhook?.close(r));
  await cleanupRedisPrefix(redis, names.prefix);
  redis.disconnect();
  await database?.drop();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

async function connect(agent: string, url = gateway.url): Promise<Client> {
  const client = new Client({ name: `${agent}-client`, version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${keys[agent]}` } },
    }),
  );
  return client;
}

type CallResult = { content?: Array<{ type: string; text?: string }>; isError?: boolean };

/** Starts a call that will be held; progress notifications are collected in `progress`. */
function call(client: Client, name: string, args: Record<string, unknown>, signal?: AbortSignal) {
  const progress: Array<{ progress: number; total?: number; message?: string }> = [];
  const result = client.callTool(
    { name, arguments: args },
    {
      onprogress: (p) => progress.push(p),
      resetTimeoutOnProgress: true,
      ...(signal && { signal }),
    },
  ) as Promise<CallResult>;
  result.catch(() => {}); // asserted by the test; never an unhandled rejection meanwhile
  return { result, progress };
}

async function pending(where: (a: ApprovalView) => boolean, timeoutMs = 10_000): Promise<ApprovalView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await listApprovals(database.db, { orgId, status: "pending" });
    const found = page.items.find(where);
    if (found) return found;
    if (Date.now() > deadline) throw new Error("no such pending approval appeared");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function decide(approvalId: string, decision: "approve" | "deny", who: keyof typeof users, comment?: string) {
  return decideApproval(
    database.db,
    redis,
    names,
    { orgId, approvalId, decision, comment, deciderId: users[who], via: "user", secretKey: TEST_SECRET_KEY },
    queue,
  );
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const calls = (name: string) => upstream.filter((u) => u.name === name).length;
const text = (r: CallResult) => r.content?.map((c) => c.text).join("") ?? "";

describe("a call whose grant requires approval", () => {
  it("waits, keeps the client informed, then runs once with exactly the approved arguments", async () => {
    const client = await connect("ops-bot");
    const before = calls("delete-everything");
    const held = call(client, "fx__delete-everything", { confirm: true });
    const request = await pending(
      (a) => a.agent?.name === "ops-bot" && a.exposedName === "fx__delete-everything",
    );
    expect(request).toMatchObject({
      status: "pending",
      agent: { name: "ops-bot" },
      team: { name: "ops" },
      requester: { email: "owner@example.com" },
      server: { name: "fx" },
      riskClass: "destructive",
      reason: "Deleting everything needs a human",
      arguments: { confirm: true },
      argumentsHash: await approvalArgumentsHash({ confirm: true }),
      source: { type: "grant" },
    });
    expect(request.expiresAt.getTime() - request.requestedAt.getTime()).toBe(120_000);
    // Held: nothing reached the upstream, and the client hears why it waits.
    await eventually(
      async () => held.progress.length,
      (n) => n >= 2,
    );
    expect(calls("delete-everything")).toBe(before);
    expect(held.progress[0]?.message).toContain(
      `waiting for approval ${request.id}: Deleting everything needs a human`,
    );
    expect(held.progress.at(-1)?.total).toBe(120);

    const decided = await decide(request.id, "approve", "approver", "go ahead");
    expect(decided).toMatchObject({ status: "approved", decidedBy: { email: "approver@example.com" } });
    expect(text(await held.result)).toBe("deleted everything");
    expect(upstream.filter((u) => u.name === "delete-everything").slice(before)).toEqual([
      { name: "delete-everything", args: { confirm: true } },
    ]);

    // Every step is on record, and the call's audit event links to its approval.
    const row = await eventually(
      () => database.db.approvalRequest.findUniqueOrThrow({ where: { id: request.id } }),
      (r) => r.status === "executed",
    );
    expect(row).toMatchObject({ decidedById: users.approver, comment: "go ahead" });
    const steps = await database.db.adminAuditLog.findMany({
      where: { targetId: request.id },
      orderBy: { createdAt: "asc" },
    });
    expect(steps.map((s) => s.action)).toEqual(["approval.request", "approval.approve", "approval.execute"]);
    expect(steps[1]).toMatchObject({
      actorName: "approver@example.com",
      details: expect.objectContaining({ comment: "go ahead" }),
    });
    const event = await eventually(
      () => database.db.auditEvent.findFirst({ where: { approvalId: request.id } }),
      (e) => e !== null,
    );
    expect(event).toMatchObject({ decision: "allowed", toolName: "delete-everything", agentName: "ops-bot" });

    // One approval, one run: the same call again asks again.
    const again = call(client, "fx__delete-everything", { confirm: true });
    const second = await pending((a) => a.agent?.name === "ops-bot" && a.id !== request.id);
    await decide(second.id, "deny", "approver", "once was enough");
    await expect(again.result).rejects.toThrow(/denied by approver@example.com: once was enough/);
    await client.close();
  });

  it("denied: the client gets a JSON-RPC error carrying the approver's reason, and nothing runs", async () => {
    const client = await connect("ops-bot");
    const before = calls("delete-everything");
    const held = call(client, "fx__delete-everything", { confirm: false });
    const request = await pending(
      (a) => a.agent?.name === "ops-bot" && (a.arguments as { confirm?: boolean }).confirm === false,
    );
    await decide(request.id, "deny", "approver", "not during the freeze");
    const error = await held.result.then(
      () => null,
      (e: { code?: number; message: string }) => e,
    );
    expect(error?.code).toBe(-32003);
    expect(error?.message).toContain(
      "call to 'fx__delete-everything' denied by approver@example.com: not during the freeze",
    );
    expect(calls("delete-everything")).toBe(before);
    const event = await eventually(
      () => database.db.auditEvent.findFirst({ where: { approvalId: request.id } }),
      (e) => e !== null,
    );
    expect(event).toMatchObject({ decision: "denied" });
    // A later click is told who decided first.
    await expect(decide(request.id, "approve", "approver2")).rejects.toThrow(
      /already decided: approval .* was denied by approver@example.com/,
    );
    await client.close();
  });

  it("expired: no decision within the timeout denies the call as expired", async () => {
    const client = await connect("quick-bot");
    const started = Date.now();
    const held = call(client, "fx__delete-everything", { confirm: true });
    const error = await held.result.then(
      () => null,
      (e: { code?: number; message: string }) => e,
    );
    expect(error?.code).toBe(-32010);
    expect(error?.message).toMatch(
      /call to 'fx__delete-everything' was not approved in time: approval apr_\w+ expired after 1s/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    const id = /approval (apr_\w+)/.exec(error!.message)![1]!;
    const row = await eventually(
      () => database.db.approvalRequest.findUnique({ where: { id } }),
      (r) => r?.status === "expired",
    );
    expect(row?.decidedById).toBeNull();
    await expect(decide(id, "approve", "approver")).rejects.toThrow(
      /already decided: approval .* was expired/,
    );
    expect(
      (await database.db.adminAuditLog.findMany({ where: { targetId: id } })).map((s) => s.action).sort(),
    ).toEqual(["approval.expire", "approval.request"]);
    await client.close();
  });

  it("refuses to run when the approved arguments are not the call's (tampering)", async () => {
    const client = await connect("ops-bot");
    const before = calls("delete-everything");
    const held = call(client, "fx__delete-everything", { confirm: true, note: "tamper-me" });
    const request = await pending((a) => (a.arguments as { note?: string }).note === "tamper-me");
    // Someone with database access swaps what the approver will see and approve.
    const swapped = { confirm: false, note: "harmless" };
    await database.db.approvalRequest.update({
      where: { id: request.id },
      data: { arguments: swapped, argumentsHash: await approvalArgumentsHash(swapped) },
    });
    await decide(request.id, "approve", "approver");
    await expect(held.result).rejects.toThrow(/was given for other arguments than this call's/);
    expect(calls("delete-everything")).toBe(before);

    // A request altered on its way to the worker is never stored.
    const forged = newId("approval");
    await queue.request({
      ...(await requestPayload(forged)),
      arguments: { confirm: true },
      argumentsHash: await approvalArgumentsHash({ confirm: false }),
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await database.db.approvalRequest.findUnique({ where: { id: forged } })).toBeNull();
    await client.close();
  });
});

describe("surviving restarts and replicas", () => {
  it("a gateway restart while waiting loses nothing: the retried call re-attaches and runs once approved", async () => {
    let client = await connect("ops-bot");
    const before = calls("delete-everything");
    const held = call(client, "fx__delete-everything", { confirm: true, note: "restart" });
    const request = await pending((a) => (a.arguments as { note?: string }).note === "restart");
    const old = gateway;
    await old.close(2_000);
    await expect(held.result).rejects.toThrow(
      new RegExp(`gateway is restarting: approval ${request.id} stays pending; retry the same call`),
    );
    gateway = await startApprovalsGateway();
    await client.close().catch(() => {});

    client = await connect("ops-bot");
    const retried = call(client, "fx__delete-everything", { confirm: true, note: "restart" });
    await eventually(
      async () => retried.progress.length,
      (n) => n >= 1,
    );
    expect(retried.progress[0]?.message).toContain(request.id);
    await decide(request.id, "approve", "approver");
    expect(text(await retried.result)).toBe("deleted everything");
    expect(calls("delete-everything")).toBe(before + 1);
    expect(
      await database.db.approvalRequest.count({
        where: { arguments: { equals: { confirm: true, note: "restart" } } },
      }),
    ).toBe(1);
    await client.close();
  });

  it("a decision that arrived before the call subscribed is found, on another replica too", async () => {
    const client = await connect("ops-bot");
    const before = calls("delete-everything");
    const first = call(client, "fx__delete-everything", { confirm: true, note: "early" });
    const request = await pending((a) => (a.arguments as { note?: string }).note === "early");
    // The client goes away: its call stops waiting, the request stays pending.
    await client.close();
    await expect(first.result).rejects.toThrow();
    // Decided while nobody waits; then the call comes back through a second replica.
    await decide(request.id, "approve", "approver2", "pre-approved");
    expect((await database.db.approvalRequest.findUniqueOrThrow({ where: { id: request.id } })).status).toBe(
      "approved",
    );
    const replica = await startApprovalsGateway();
    try {
      const other = await connect("ops-bot", replica.url);
      const result = (await other.callTool({
        name: "fx__delete-everything",
        arguments: { note: "early", confirm: true },
      })) as CallResult;
      expect(text(result)).toBe("deleted everything");
      expect(calls("delete-everything")).toBe(before + 1);
      await other.close();
    } finally {
      await replica.close(2_000);
    }
    await client.close();
  });

  it("two identical calls share one request; only one runs on the approval", async () => {
    const [a, b] = [await connect("ops-bot"), await connect("ops-bot")];
    const before = calls("delete-everything");
    const one = call(a, "fx__delete-everything", { confirm: true, note: "twins" });
    const request = await pending((x) => (x.arguments as { note?: string }).note === "twins");
    const two = call(b, "fx__delete-everything", { confirm: true, note: "twins" });
    await eventually(
      async () => two.progress.length,
      (n) => n >= 1,
    );
    expect(two.progress[0]?.message).toContain(request.id);
    await decide(request.id, "approve", "approver");
    const outcomes = await Promise.allSettled([one.result, two.result]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
    expect(String(refused.reason.message)).toMatch(/has already been used by another call/);
    expect(calls("delete-everything")).toBe(before + 1);
    await Promise.all([a.close(), b.close()]);
  });

  it("serves every waiting call through one subscriber connection", async () => {
    const client = await connect("ops-bot");
    const held = [1, 2, 3].map((n) =>
      call(client, "fx__delete-everything", { confirm: true, note: `many-${n}` }),
    );
    const requests = await Promise.all(
      [1, 2, 3].map((n) => pending((a) => (a.arguments as { note?: string }).note === `many-${n}`)),
    );
    const clients = (await redis.call("CLIENT", "LIST")) as string;
    const subscribers = clients
      .split("\n")
      .filter((line) => line.includes(` name=portcullis-gateway-approvals:${names.prefix} `));
    expect(subscribers).toHaveLength(1);
    await Promise.all(requests.map((r) => decide(r.id, "deny", "approver", "tidy up")));
    for (const h of held) await expect(h.result).rejects.toThrow(/tidy up/);
    await client.close();
  });
});

describe("an approval policy on a risk class, with a condition", () => {
  it("holds only matching calls to tools of that class, highlighting what matched", async () => {
    const client = await connect("policy-bot");
    const before = calls("delete-everything");
    // Not confirmed: the policy's condition does not match, the call runs at once.
    expect(
      text(
        (await client.callTool({
          name: "fx__delete-everything",
          arguments: { confirm: false },
        })) as CallResult,
      ),
    ).toBe("nothing deleted");
    // A read tool is never held by a destructive-only policy.
    expect(
      text((await client.callTool({ name: "fx__echo", arguments: { message: "hi" } })) as CallResult),
    ).toBe("echo: hi");
    const held = call(client, "fx__delete-everything", { confirm: true });
    const request = await pending((a) => a.agent?.name === "policy-bot");
    expect(request).toMatchObject({
      reason: "Confirmed destructive calls need a human",
      highlights: ["confirm"],
      source: { type: "policy", name: "confirmed-destructive" },
    });
    expect(request.expiresAt.getTime() - request.requestedAt.getTime()).toBe(600_000);
    await decide(request.id, "deny", "approver", "no");
    await expect(held.result).rejects.toThrow(/denied by approver@example.com: no/);
    expect(calls("delete-everything")).toBe(before + 1);
    await client.close();
  });
});

describe("who may decide", () => {
  it("refuses the person the agent acts for, and people without approvals.decide", async () => {
    const client = await connect("ops-bot");
    const held = call(client, "fx__delete-everything", { confirm: true, note: "who" });
    const request = await pending((a) => (a.arguments as { note?: string }).note === "who");
    await expect(decide(request.id, "approve", "owner")).rejects.toThrow(
      /cannot decide a request made on your own behalf/,
    );
    await expect(decide(request.id, "approve", "member")).rejects.toThrow(
      /needs the 'approvals.decide' permission/,
    );
    // Of two approvers clicking at once, exactly one decides.
    const both = await Promise.allSettled([
      decide(request.id, "approve", "approver"),
      decide(request.id, "deny", "approver2", "race"),
    ]);
    expect(both.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(
      String((both.find((o) => o.status === "rejected") as PromiseRejectedResult).reason.message),
    ).toMatch(/already decided/);
    await held.result.catch(() => {});
    await client.close();
  });
});

describe("team webhook", () => {
  it("posts the request and the decision (Slack-compatible), retrying a failed delivery", async () => {
    hooks.length = 0;
    failNextHook = 1;
    const client = await connect("hook-bot");
    const held = call(client, "fx__delete-everything", { confirm: true });
    const request = await pending((a) => a.agent?.name === "hook-bot");
    await eventually(
      async () => hooks.length,
      (n) => n >= 1,
    );
    expect(hooks[0]?.text).toBe(
      "Approval needed: hook-bot wants to call fx__delete-everything (destructive)",
    );
    await decide(request.id, "approve", "approver", "fine");
    await held.result;
    await eventually(
      async () => hooks.length,
      (n) => n >= 2,
    );
    expect(hooks[1]?.text).toBe("Approved by approver@example.com: hook-bot's call to fx__delete-everything");
    // Both messages link to the request in the console (which opens and highlights it).
    const link = `<https://console.example.com/approvals?id=${request.id}|`;
    expect(JSON.stringify(hooks[0])).toContain(`${link}review it in the console>`);
    expect(JSON.stringify(hooks[1])).toContain(`${link}open it in the console>`);
    const notified = await eventually(
      () =>
        database.db.adminAuditLog.findMany({
          where: { targetId: request.id, action: { startsWith: "approval.notify" } },
          orderBy: { createdAt: "asc" },
        }),
      (rows) => rows.length >= 2,
    );
    expect(
      notified.map((n) => [
        n.action,
        (n.details as { event: string; attempt: number }).event,
        (n.details as { attempt: number }).attempt,
      ]),
    ).toEqual([
      ["approval.notify", "requested", 2],
      ["approval.notify", "decided", 1],
    ]);
    await client.close();
  });
});

async function requestPayload(approvalId: string) {
  const agent = await database.db.agent.findFirstOrThrow({ where: { name: "ops-bot" } });
  const server = await database.db.server.findFirstOrThrow({ where: { name: "fx" } });
  const tool = await database.db.tool.findFirstOrThrow({
    where: { serverId: server.id, upstreamName: "delete-everything" },
  });
  const now = Date.now();
  return {
    approvalId,
    orgId,
    agentId: agent.id,
    agentName: agent.name,
    teamId: agent.teamId,
    keyId: null,
    onBehalfOf: null,
    serverId: server.id,
    serverName: server.name,
    toolName: tool.upstreamName,
    exposedName: tool.exposedName,
    toolId: tool.id,
    riskClass: "destructive" as const,
    reason: "forged",
    source: { type: "grant" as const, id: "grt_x", name: null },
    highlights: [],
    requestId: newId("request"),
    requestedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 60_000).toISOString(),
  };
}
