import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyAuditRetention } from "./apply-retention";
import { verifyAuditChain } from "./chain/verify-audit-chain";
import { ingestAuditEvents } from "./ingest-audit-events";

let database: TestDatabase;
const DAY = 86_400_000;
const now = Date.parse("2026-06-30T12:00:00.000Z");
const cutoff = new Date(now - 90 * DAY);

beforeAll(async () => {
  database = await createTestDatabase({ name: "audit_retention" });
});

afterAll(async () => {
  await database?.drop();
});

async function newOrg(): Promise<string> {
  const id = newId("organization");
  await database.db.organization.create({ data: { id, name: id, slug: id } });
  return id;
}

/** An event that occurred `daysAgo` days before `now`. */
function event(orgId: string | null, daysAgo: number): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date(now - daysAgo * DAY).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: null,
    agentName: "ci-bot",
    teamId: null,
    userId: null,
    serverId: null,
    serverName: "github",
    toolName: "github__list_issues",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { days: daysAgo },
    resultSummary: null,
    isError: false,
    latencyMs: 3,
    upstreamLatencyMs: 2,
    upstreamStatus: "ok",
    protocolVersion: null,
    snapshotVersion: null,
  };
}

async function idsOf(orgId: string | null): Promise<string[]> {
  const rows = await database.db.auditEvent.findMany({
    where: { orgId },
    orderBy: [{ chainSeq: "asc" }, { id: "asc" }],
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

describe("applyAuditRetention", () => {
  it("deletes only events older than the period, in batches, and the chains still verify", async () => {
    const [org, other] = [await newOrg(), await newOrg()];
    const old = [event(org, 200), event(org, 120), event(org, 95), event(org, 91)];
    const fresh = [event(org, 89), event(org, 1)];
    await ingestAuditEvents(database.db, old.slice(0, 2));
    await ingestAuditEvents(database.db, [...old.slice(2), ...fresh]);
    const otherOld = event(other, 100);
    const otherFresh = event(other, 10);
    await ingestAuditEvents(database.db, [otherOld, otherFresh]);
    const orphanOld = event(null, 300);
    const orphanFresh = event(null, 3);
    await ingestAuditEvents(database.db, [orphanOld, orphanFresh]);

    const result = await applyAuditRetention(database.db, { olderThan: cutoff, batchSize: 3 });

    expect(result.deleted).toBe(6);
    expect(result.batches).toBeGreaterThan(3);
    expect(await idsOf(org)).toEqual(fresh.map((e) => e.id));
    expect(await idsOf(other)).toEqual([otherFresh.id]);
    expect(await idsOf(null)).toContain(orphanFresh.id);
    expect(await idsOf(null)).not.toContain(orphanOld.id);
    for (const chain of [org, other, null]) {
      expect(await verifyAuditChain(database.db, chain)).toMatchObject({ ok: true });
    }
    // Nothing more to do: a second run deletes nothing.
    expect((await applyAuditRetention(database.db, { olderThan: cutoff })).deleted).toBe(0);
  });

  it("keeps a late-arriving old event until the newer events before it in its chain expire", async () => {
    const org = await newOrg();
    const first = event(org, 100);
    const newer = event(org, 10);
    const late = event(org, 150); // replayed from a gateway's spool long after it happened
    await ingestAuditEvents(database.db, [first, newer]);
    await ingestAuditEvents(database.db, [late]);

    await applyAuditRetention(database.db, { olderThan: cutoff });
    expect(await idsOf(org)).toEqual([newer.id, late.id]);
    expect(await verifyAuditChain(database.db, org)).toMatchObject({ ok: true, checked: 2 });

    // Once `newer` is old too, both go, and the chain continues from where it was.
    await applyAuditRetention(database.db, { olderThan: new Date(now) });
    expect(await idsOf(org)).toEqual([]);
    const next = event(org, 0);
    await ingestAuditEvents(database.db, [next]);
    expect(await verifyAuditChain(database.db, org)).toMatchObject({ ok: true, checked: 1 });
  });

  it("deletes old events stored before chaining existed, by age alone", async () => {
    const org = await newOrg();
    const legacy = (daysAgo: number) => ({
      id: newId("auditEvent"),
      orgId: org,
      occurredAt: new Date(now - daysAgo * DAY),
      requestId: newId("request"),
      method: "tools/call",
      decision: "allowed",
      latencyMs: 1,
    });
    const [oldRow, newRow] = [legacy(100), legacy(5)];
    await database.db.auditEvent.createMany({ data: [oldRow, newRow] });

    await applyAuditRetention(database.db, { olderThan: cutoff });

    expect(await idsOf(org)).toEqual([newRow.id]);
  });

  it("rejects a batch size that is not a positive integer", async () => {
    await expect(applyAuditRetention(database.db, { olderThan: cutoff, batchSize: 0 })).rejects.toMatchObject(
      {
        code: "INVALID_INPUT",
      },
    );
  });
});
