import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { eventDigestSql, linkHashSql } from "@portcullis/control/audit/chain/chain-hash";
import { checkpointAuditChains } from "@portcullis/control/audit/checkpoints/checkpoint-chains";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { Prisma } from "@portcullis/db/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiContext } from "../../context";
import { appRouter } from "../../root";
import { caught } from "../../testing/caught";
import { type ApiHarness, startApiHarness } from "../../testing/harness";

let h: ApiHarness;
const t0 = Date.now() - 3_600_000;

function event(orgId: string, minute: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date(t0 + minute * 60_000).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_ci",
    agentName: "ci-bot",
    teamId: "team_build",
    userId: null,
    serverId: "srv_github",
    serverName: "github",
    toolName: "github__create_issue",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { title: "Bump lodash" },
    resultSummary: "created #42",
    isError: false,
    latencyMs: 12,
    upstreamLatencyMs: 10,
    upstreamStatus: "ok",
    protocolVersion: "2025-11-25",
    snapshotVersion: 1,
    ...overrides,
  };
}

let mine: AuditEvent[];
let theirs: AuditEvent;

beforeAll(async () => {
  h = await startApiHarness("audit");
  mine = [
    event(h.orgId, 1),
    event(h.orgId, 2, {
      decision: "denied",
      reason: "no grant",
      toolName: "github__delete_repo",
      arguments: null,
    }),
    event(h.orgId, 3, { arguments: { query: "quarterly invoice" }, toolName: "billing__search" }),
  ];
  theirs = event(h.otherOrgId, 4, { arguments: { title: "Bump lodash" } });
  await ingestAuditEvents(h.database.db, [...mine, theirs]);
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("audit · search", () => {
  it("finds the organization's events with full text and filters, newest first, a page at a time", async () => {
    const auditor = await h.as("auditor");

    const first = await auditor.audit.search({ limit: 2 });
    expect(first.items.map((e) => e.id)).toEqual([mine[2]!.id, mine[1]!.id]);
    const second = await auditor.audit.search({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((e) => e.id)).toEqual([mine[0]!.id]);
    expect(second.nextCursor).toBeNull();

    expect((await auditor.audit.search({ q: "invoice" })).items.map((e) => e.id)).toEqual([mine[2]!.id]);
    expect((await auditor.audit.search({ decision: "denied" })).items).toMatchObject([
      { id: mine[1]!.id, reason: "no grant", toolName: "github__delete_repo", agentName: "ci-bot" },
    ]);
  });

  it("never returns another organization's events", async () => {
    const admin = await h.as("admin");
    const found = await admin.audit.search({ q: "lodash" });
    expect(found.items.map((e) => e.id)).toEqual([mine[0]!.id]);

    const outsider = await h.as("outsider");
    expect((await outsider.audit.search({})).items.map((e) => e.id)).toEqual([theirs.id]);
  });

  it("refuses bad filters with a message on the field", async () => {
    const auditor = await h.as("auditor");
    const reversed = await caught(
      auditor.audit.search({ from: new Date(), to: new Date(Date.now() - 1000) }),
    );
    expect(reversed.code).toBe("BAD_REQUEST");
    const cursor = await caught(auditor.audit.search({ cursor: "forged" }));
    expect(cursor.code).toBe("BAD_REQUEST");
    expect(cursor.message).toMatch(/cursor/);
  });
});

describe("audit · get", () => {
  it("returns one event with every field", async () => {
    const event = await (await h.as("auditor")).audit.get({ id: mine[1]!.id });
    expect(event).toMatchObject({
      id: mine[1]!.id,
      orgId: h.orgId,
      decision: "denied",
      reason: "no grant",
      arguments: null,
      requestId: mine[1]!.requestId,
      chainSeq: 2,
    });
  });

  it("is NOT_FOUND for another organization's event", async () => {
    const error = await caught((await h.as("admin")).audit.get({ id: theirs.id }));
    expect(error.code).toBe("NOT_FOUND");
  });
});

describe("audit · dashboard", () => {
  it("summarizes the range", async () => {
    const dashboard = await (await h.as("auditor")).audit.dashboard({
      from: new Date(t0),
      to: new Date(t0 + 3_600_000),
    });
    expect(dashboard.totals).toEqual({ total: 3, denied: 1, errors: 0 });
    expect(dashboard.denialsByReason).toEqual([{ reason: "no grant", count: 1 }]);
    expect(dashboard.topAgents).toEqual([
      { agentId: "agt_ci", agentName: "ci-bot", calls: 3, denied: 1, errors: 0 },
    ]);
  });
});

describe("audit · verifyChain", () => {
  it("reports an intact chain, then the edited event", async () => {
    const auditor = await h.as("auditor");
    expect(await auditor.audit.verifyChain()).toMatchObject({ ok: true, checked: 3, complete: true });
    expect(await auditor.audit.verifyChain({ all: true })).toMatchObject({ ok: true, checked: 3 });

    await h.database.db.$executeRaw`UPDATE audit_events SET decision = 'allowed' WHERE id = ${mine[1]!.id}`;

    expect(await auditor.audit.verifyChain()).toMatchObject({ ok: false, firstBrokenId: mine[1]!.id });
    // The other organization's chain is its own, and intact.
    expect(await (await h.as("outsider")).audit.verifyChain()).toMatchObject({ ok: true, checked: 1 });
  });
});

describe("audit · integrity", () => {
  it("shows the worker's last verified checkpoint, then the break it found", async () => {
    // The other organization's chain (one event), still intact after the test above.
    const auditor = await h.as("outsider");
    const orgId = h.otherOrgId;
    const key = Buffer.alloc(32, 4);
    expect((await auditor.audit.integrity()).map((c) => c.checkedAt)).toEqual([null, null]);
    await checkpointAuditChains(h.database.db, { secretKey: key });
    const [before] = await auditor.audit.integrity();
    expect(before).toMatchObject({ chain: "audit", ok: true, lastVerified: { headSeq: 1 } });
    // Edited and rehashed with the unkeyed formula: only the signed checkpoint tells.
    await h.database.db
      .$executeRaw`UPDATE audit_events SET reason = 'edited' WHERE org_id = ${orgId} AND chain_seq = 1`;
    await h.database.db.$executeRaw`
      UPDATE audit_events AS e SET hash = ${linkHashSql(Prisma.sql`e.prev_hash`, eventDigestSql("e"))}
       WHERE e.org_id = ${orgId} AND e.chain_seq = 1`;
    expect((await auditor.audit.verifyChain()).ok).toBe(true);
    await checkpointAuditChains(h.database.db, { secretKey: key });
    const [after] = await auditor.audit.integrity();
    expect(after).toMatchObject({ ok: false, lastVerified: { headSeq: 1 } });
    expect(after!.detail).toMatch(/no longer has the hash/);
  });
});

describe("audit · permissions", () => {
  it("refuses a member without audit.read, for every procedure", async () => {
    const member = await h.as("member");
    const calls = [
      () => member.audit.search({}),
      () => member.audit.get({ id: mine[0]!.id }),
      () => member.audit.dashboard({ from: new Date(t0), to: new Date() }),
      () => member.audit.verifyChain(),
      () => member.audit.integrity(),
    ];
    for (const call of calls) {
      const error = await caught(call());
      expect(error.code).toBe("FORBIDDEN");
      expect(error.message).toMatch(/audit\.read/);
    }
  });

  it("refuses a caller without a session", async () => {
    const anonymous = appRouter.createCaller(await createApiContext(h.deps(), null));
    expect((await caught(anonymous.audit.search({}))).code).toBe("UNAUTHORIZED");
  });
});
