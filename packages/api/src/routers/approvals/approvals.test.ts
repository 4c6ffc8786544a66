import { approvalArgumentsHash } from "@portcullis/contracts/approval-policy";
import { newId } from "@portcullis/contracts/ids";
import { approvalDecisionKey } from "@portcullis/contracts/redis-keys";
import { persistApprovalRequest } from "@portcullis/control/approvals/persist-approval-request";
import { ApprovalQueue } from "@portcullis/queues/approval-queue";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, REDIS_URL, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

// The approval queue's procedures: who sees which requests, who may decide, first decision wins.
let h: ApiHarness;
let queue: ApprovalQueue;
type Origin = { teamId: string | null; agentId: string; serverId: string };
let acme: { teamId: string; agentId: string; serverId: string };
/** An acme team the approver is not a member of. */
let payments: { teamId: string; agentId: string; serverId: string };
let other: { teamId: string; agentId: string; serverId: string };

async function seedOrg(orgId: string, prefix: string) {
  const { teamId, agentId } = await seedTeamWithAgent(h.database.db, {
    orgId,
    team: `${prefix}-team`,
    agent: `${prefix}-bot`,
  });
  const { serverId } = await seedServerWithTools(h.database.db, {
    orgId,
    name: `${prefix}-db`,
    tools: ["drop_table"],
  });
  return { teamId, agentId: agentId!, serverId };
}

/** A pending request as the worker stores it from the gateway's job. */
async function request(
  where: Origin,
  orgId: string,
  args: Record<string, unknown>,
  over: {
    onBehalfOf?: string | null;
    expiresInMs?: number;
    /** A person's own call through an OAuth client, decided by approvers of these teams. */
    person?: { email: string; client: { id: string; name: string }; teamIds: string[] };
  } = {},
) {
  const approvalId = newId("approval");
  const now = Date.now();
  await persistApprovalRequest(
    h.database.db,
    {
      approvalId,
      orgId,
      agentId: over.person ? null : where.agentId,
      agentName: over.person?.email ?? "bot",
      ...(over.person && { client: over.person.client, teamIds: over.person.teamIds }),
      teamId: over.person ? (over.person.teamIds[0] ?? null) : where.teamId,
      keyId: null,
      onBehalfOf: over.onBehalfOf ?? null,
      serverId: where.serverId,
      serverName: "db",
      toolName: "drop_table",
      exposedName: "db__drop_table",
      toolId: "tool_x",
      arguments: args,
      argumentsHash: await approvalArgumentsHash(args),
      riskClass: "destructive",
      reason: "Dropping tables needs a DBA",
      source: { type: "grant", id: "grt_x", name: null },
      highlights: ["table"],
      requestId: newId("request"),
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + (over.expiresInMs ?? 600_000)).toISOString(),
    },
    queue,
  );
  return approvalId;
}

beforeAll(async () => {
  h = await startApiHarness("approvals");
  acme = await seedOrg(h.orgId, "acme");
  payments = await seedOrg(h.orgId, "payments");
  other = await seedOrg(h.otherOrgId, "other");
  // Approvers decide their own teams' requests only: the approver is in acme-team, not payments-team.
  await h.database.db.teamMember.create({
    data: { id: newId("teamMember"), teamId: acme.teamId, userId: h.userIds.approver },
  });
});
afterAll(async () => {
  await queue?.close();
  await h?.close();
});
beforeEach(async () => {
  h.beginTest();
  await queue?.close();
  queue = new ApprovalQueue({ names: h.names(), connection: { redis: { url: REDIS_URL } } });
});

describe("approvals · happy path", () => {
  it("lists pending requests with what an approver needs, and approves one for the gateways", async () => {
    const id = await request(
      acme,
      h.orgId,
      { table: "users", cascade: true },
      { onBehalfOf: h.userIds.member },
    );
    const approver = await h.as("approver");
    const { items } = await approver.approvals.list();
    const item = items.find((i) => i.id === id)!;
    expect(item).toMatchObject({
      status: "pending",
      agent: { id: acme.agentId, name: "acme-bot" },
      team: { name: "acme-team" },
      requester: { email: "member@example.com" },
      server: { name: "acme-db" },
      exposedName: "db__drop_table",
      riskClass: "destructive",
      reason: "Dropping tables needs a DBA",
      arguments: { table: "users", cascade: true },
      highlights: ["table"],
      canDecide: true,
      ownRequest: false,
    });

    const decided = await approver.approvals.approve({
      id,
      comment: "ok, backup taken",
      argumentsHash: item.argumentsHash,
    });
    expect(decided).toMatchObject({ id, status: "approved" });
    // What the waiting gateway reads.
    const message = JSON.parse((await h.redis.get(approvalDecisionKey(h.names(), id)))!);
    expect(message).toMatchObject({
      approvalId: id,
      status: "approved",
      argumentsHash: item.argumentsHash,
      decidedBy: { id: h.userIds.approver, name: "approver@example.com" },
      comment: "ok, backup taken",
    });
    expect((await approver.approvals.list()).items.map((i) => i.id)).not.toContain(id);
    const done = (await approver.approvals.list({ status: "decided" })).items.find((i) => i.id === id);
    expect(done).toMatchObject({
      status: "approved",
      decidedBy: { email: "approver@example.com" },
      canDecide: false,
    });
    const audit = await h.database.db.adminAuditLog.findFirstOrThrow({
      where: { targetId: id, action: "approval.approve" },
    });
    expect(audit).toMatchObject({ actorType: "user", actorName: "approver@example.com" });
  });

  it("denies with a reason; a later click is told who decided first", async () => {
    const id = await request(acme, h.orgId, { table: "orders" });
    const admin = await h.as("admin");
    await admin.approvals.deny({ id, comment: "use the archive job" });
    const late = await caught((await h.as("approver")).approvals.approve({ id }));
    expect(late.code).toBe("CONFLICT");
    expect(late.message).toMatch(/^already decided: approval apr_\w+ was denied by admin@example.com at /);
    const message = JSON.parse((await h.redis.get(approvalDecisionKey(h.names(), id)))!);
    expect(message).toMatchObject({ status: "denied", comment: "use the archive job" });
  });

  it("pages through decided requests, newest first", async () => {
    const approver = await h.as("approver");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await request(acme, h.orgId, { table: `page-${i}` });
      await approver.approvals.deny({ id, comment: "no" });
      ids.push(id);
    }
    const first = await approver.approvals.list({ status: "decided", limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await approver.approvals.list({ status: "decided", limit: 2, cursor: first.nextCursor! });
    const seen = [...first.items, ...second.items].map((i) => i.id);
    expect(seen.indexOf(ids[2]!)).toBeLessThan(seen.indexOf(ids[1]!));
    expect(seen.indexOf(ids[1]!)).toBeLessThan(seen.indexOf(ids[0]!));
  });

  it("sets a team webhook and shows only its host", async () => {
    const admin = await h.as("admin");
    await admin.approvals.setWebhook({
      teamId: acme.teamId,
      url: "https://hooks.slack.example/services/T0/B0/secret",
    });
    const hooks = await admin.approvals.webhooks();
    expect(hooks.find((w) => w.teamId === acme.teamId)).toEqual({
      teamId: acme.teamId,
      teamName: "acme-team",
      webhookHost: "hooks.slack.example",
    });
    expect(JSON.stringify(hooks)).not.toContain("secret");
    // Stored sealed: the row holds the host and the ciphertext, never the URL's path.
    const row = await h.database.db.team.findUniqueOrThrow({ where: { id: acme.teamId } });
    expect(row).toMatchObject({ webhookHost: "hooks.slack.example", webhookUrl: null });
    expect(row.webhookSecret).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain("T0/B0");
    const audit = await h.database.db.adminAuditLog.findMany({ where: { targetId: acme.teamId } });
    expect(
      JSON.stringify(audit, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
    ).not.toContain("T0/B0");
    await admin.approvals.setWebhook({ teamId: acme.teamId, url: null });
    expect(await h.database.db.team.findUniqueOrThrow({ where: { id: acme.teamId } })).toMatchObject({
      webhookSecret: null,
      webhookHost: null,
    });
    expect((await admin.approvals.webhooks()).find((w) => w.teamId === acme.teamId)?.webhookHost).toBeNull();
  });
});

describe("approvals · errors", () => {
  it("refuses an approval whose arguments are not the ones the approver was shown", async () => {
    const id = await request(acme, h.orgId, { table: "shown" });
    const error = await caught(
      (await h.as("approver")).approvals.approve({
        id,
        argumentsHash: await approvalArgumentsHash({ table: "other" }),
      }),
    );
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/not the ones you were shown/);
  });

  it("refuses an expired request as too late", async () => {
    const id = await request(acme, h.orgId, { table: "late" }, { expiresInMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    const error = await caught((await h.as("approver")).approvals.approve({ id }));
    expect(error).toMatchObject({ code: "CONFLICT" });
    expect(error.message).toMatch(/^too late: approval .* expired at/);
    expect((await h.database.db.approvalRequest.findUniqueOrThrow({ where: { id } })).status).toBe("expired");
  });

  it("reports an unknown id as not found", async () => {
    expect((await caught((await h.as("approver")).approvals.approve({ id: "apr_nope" }))).code).toBe(
      "NOT_FOUND",
    );
  });
});

describe("approvals · security", () => {
  it("a requester cannot decide their own request", async () => {
    const id = await request(acme, h.orgId, { table: "mine" }, { onBehalfOf: h.userIds.approver });
    const approver = await h.as("approver");
    const item = (await approver.approvals.list()).items.find((i) => i.id === id)!;
    expect(item).toMatchObject({ ownRequest: true, canDecide: false });
    const error = await caught(approver.approvals.approve({ id }));
    expect(error).toMatchObject({
      code: "FORBIDDEN",
      message: "not allowed: you cannot decide a request made on your own behalf",
    });
  });

  it("roles without approvals.decide cannot decide; without approvals.read cannot even list", async () => {
    const id = await request(acme, h.orgId, { table: "roles" });
    const auditor = await h.as("auditor");
    expect((await auditor.approvals.list()).items.find((i) => i.id === id)).toMatchObject({
      canDecide: false,
      cannotDecide: "role",
    });
    expect((await caught(auditor.approvals.approve({ id }))).code).toBe("FORBIDDEN");
    expect((await caught(auditor.approvals.deny({ id }))).code).toBe("FORBIDDEN");
    const member = await h.as("member");
    const refused = await caught(member.approvals.list());
    expect(refused).toMatchObject({ code: "FORBIDDEN" });
    expect(refused.message).toContain("approvals.read");
    expect((await caught(member.approvals.approve({ id }))).code).toBe("FORBIDDEN");
    expect(
      (await caught((await h.as("approver")).approvals.setWebhook({ teamId: acme.teamId, url: null }))).code,
    ).toBe("FORBIDDEN");
  });

  it("an approver outside the request's team cannot decide it, and is told which team", async () => {
    const id = await request(payments, h.orgId, { table: "ledger" });
    const approver = await h.as("approver");
    const listed = (await approver.approvals.list()).items.find((i) => i.id === id);
    expect(listed).toMatchObject({ canDecide: false, cannotDecide: "not_team_approver", ownRequest: false });
    expect(await approver.approvals.get({ id })).toMatchObject({
      canDecide: false,
      cannotDecide: "not_team_approver",
    });
    for (const attempt of [() => approver.approvals.approve({ id }), () => approver.approvals.deny({ id })]) {
      const error = await caught(attempt());
      expect(error.code).toBe("FORBIDDEN");
      expect(error.message).toMatch(/^not allowed: you are not an approver of team 'payments-team'/);
    }
    expect((await h.database.db.approvalRequest.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
    // Once in the team, they can.
    const membership = await h.database.db.teamMember.create({
      data: { id: newId("teamMember"), teamId: payments.teamId, userId: h.userIds.approver },
    });
    try {
      expect((await approver.approvals.get({ id })).canDecide).toBe(true);
      expect(await approver.approvals.deny({ id, comment: "not today" })).toMatchObject({ status: "denied" });
    } finally {
      await h.database.db.teamMember.delete({ where: { id: membership.id } });
    }
  });

  it("owners and admins decide any team's request without being its members", async () => {
    const forAdmin = await request(payments, h.orgId, { table: "admin" });
    const forOwner = await request(payments, h.orgId, { table: "owner" });
    const admin = await h.as("admin");
    expect((await admin.approvals.get({ id: forAdmin })).canDecide).toBe(true);
    expect(await admin.approvals.approve({ id: forAdmin })).toMatchObject({ status: "approved" });
    expect(await (await h.as("owner")).approvals.deny({ id: forOwner })).toMatchObject({ status: "denied" });
  });

  it("a request with no team is decided by owners and admins only", async () => {
    const id = await request({ ...acme, teamId: null }, h.orgId, { table: "orphan" });
    const approver = await h.as("approver");
    expect(await approver.approvals.get({ id })).toMatchObject({
      team: null,
      canDecide: false,
      cannotDecide: "no_team",
    });
    const error = await caught(approver.approvals.approve({ id }));
    expect(error).toMatchObject({
      code: "FORBIDDEN",
      message: "not allowed: this request belongs to no team, so only an owner or admin can decide it",
    });
    const admin = await h.as("admin");
    expect((await admin.approvals.get({ id })).canDecide).toBe(true);
    expect(await admin.approvals.approve({ id })).toMatchObject({ status: "approved" });
  });

  it("'requests I can decide' leaves out other teams', teamless and own requests", async () => {
    const ours = await request(acme, h.orgId, { table: "scope-ours" });
    const theirs = await request(payments, h.orgId, { table: "scope-theirs" });
    const orphan = await request({ ...acme, teamId: null }, h.orgId, { table: "scope-orphan" });
    const mine = await request(acme, h.orgId, { table: "scope-mine" }, { onBehalfOf: h.userIds.approver });
    const approver = await h.as("approver");
    const all = (await approver.approvals.list({ status: "pending", scope: "all" })).items.map((i) => i.id);
    expect(all).toEqual(expect.arrayContaining([ours, theirs, orphan, mine]));
    const decidable = await approver.approvals.list({ status: "pending", scope: "decidable" });
    expect(decidable.items.map((i) => i.id)).toContain(ours);
    for (const id of [theirs, orphan, mine]) expect(decidable.items.map((i) => i.id)).not.toContain(id);
    expect(decidable.items.every((i) => i.canDecide)).toBe(true);
    const forAdmin = (await (await h.as("admin")).approvals.list({ status: "pending", scope: "decidable" }))
      .items;
    expect(forAdmin.map((i) => i.id)).toEqual(expect.arrayContaining([ours, theirs, orphan, mine]));
    expect(
      (await (await h.as("auditor")).approvals.list({ status: "pending", scope: "decidable" })).items,
    ).toEqual([]);
  });

  it("a person's own request names them and their client, and any of their granting teams' approvers decide it", async () => {
    const client = { id: "https://claude.example/client.json", name: "Claude Code" };
    // payments is listed first: the approver (acme-team only) still decides through acme-team.
    const theirs = await request(
      payments,
      h.orgId,
      { table: "person-two-teams" },
      {
        onBehalfOf: h.userIds.member,
        person: { email: "member@example.com", client, teamIds: [payments.teamId, acme.teamId] },
      },
    );
    const paymentsOnly = await request(
      payments,
      h.orgId,
      { table: "person-payments" },
      {
        onBehalfOf: h.userIds.member,
        person: { email: "member@example.com", client, teamIds: [payments.teamId] },
      },
    );
    const approver = await h.as("approver");
    const item = await approver.approvals.get({ id: theirs });
    expect(item).toMatchObject({
      agent: null,
      client,
      caller: "person member@example.com via Claude Code",
      requester: { email: "member@example.com" },
      teams: [{ name: "payments-team" }, { name: "acme-team" }],
      canDecide: true,
    });
    const decidable = (await approver.approvals.list({ status: "pending", scope: "decidable" })).items;
    expect(decidable.map((i) => i.id)).toContain(theirs);
    expect(decidable.map((i) => i.id)).not.toContain(paymentsOnly);
    expect(await caught(approver.approvals.approve({ id: paymentsOnly }))).toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("team 'payments-team'"),
    });
    // An approver of one of their granting teams decides it; the admin log names the person and client.
    expect((await approver.approvals.approve({ id: theirs })).status).toBe("approved");
    const log = await h.database.db.adminAuditLog.findFirstOrThrow({
      where: { action: "approval.request", targetId: theirs },
    });
    expect(log.actorName).toBe("person member@example.com via Claude Code");
  });

  it("another organization's requests are invisible and cannot be decided", async () => {
    const theirs = await request(other, h.otherOrgId, { table: "theirs" });
    const ours = await request(acme, h.orgId, { table: "ours" });
    const outsider = await h.as("outsider");
    const listed = (await outsider.approvals.list()).items.map((i) => i.id);
    expect(listed).toContain(theirs);
    expect(listed).not.toContain(ours);
    expect((await caught(outsider.approvals.approve({ id: ours }))).code).toBe("NOT_FOUND");
    expect((await caught(outsider.approvals.get({ id: ours }))).code).toBe("NOT_FOUND");
    expect((await caught((await h.as("approver")).approvals.deny({ id: theirs }))).code).toBe("NOT_FOUND");
    expect((await h.database.db.approvalRequest.findUniqueOrThrow({ where: { id: ours } })).status).toBe(
      "pending",
    );
  });
});
