import { type AuditEvent, RESULT_SUMMARY_MAX } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { withSqlClient } from "@portcullis/db/client";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "./chain/verify-audit-chain";
import { ingestAuditEvents } from "./ingest-audit-events";

let database: TestDatabase;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase({ name: "ingest_audit" });
  orgId = newId("organization");
  await database.db.organization.create({ data: { id: orgId, name: "Acme", slug: `acme-${orgId}` } });
});

afterAll(async () => {
  await database?.drop();
});

function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: "2026-01-02T03:04:05.678Z",
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_1",
    agentName: "ci-bot",
    teamId: "team_1",
    userId: "usr_1",
    serverId: "srv_1",
    serverName: "github",
    toolName: "github__create_issue",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { title: "Bug", labels: ["p1"], nested: { n: 1 } },
    resultSummary: "created #12",
    isError: false,
    latencyMs: 12.5,
    upstreamLatencyMs: 10.25,
    upstreamStatus: "ok",
    protocolVersion: "2025-06-18",
    snapshotVersion: 7,
    ...overrides,
  };
}

describe("ingestAuditEvents", () => {
  it("maps every contract field onto the row", async () => {
    const event = auditEvent();
    const denied = auditEvent({
      decision: "denied",
      reason: "no grant",
      errorCode: -32003,
      arguments: null,
      resultSummary: null,
      isError: true,
      upstreamLatencyMs: null,
      upstreamStatus: null,
      agentId: null,
      agentName: null,
    });

    await expect(ingestAuditEvents(database.db, [event, denied])).resolves.toEqual({
      inserted: 2,
      detached: 0,
    });

    const row = await database.db.auditEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(row).toMatchObject({
      orgId,
      occurredAt: new Date(event.occurredAt),
      requestId: event.requestId,
      method: "tools/call",
      agentId: "agt_1",
      agentName: "ci-bot",
      teamId: "team_1",
      userId: "usr_1",
      serverId: "srv_1",
      serverName: "github",
      toolName: "github__create_issue",
      decision: "allowed",
      reason: null,
      errorCode: null,
      arguments: { title: "Bug", labels: ["p1"], nested: { n: 1 } },
      resultSummary: "created #12",
      isError: false,
      latencyMs: 12.5,
      upstreamLatencyMs: 10.25,
      upstreamStatus: "ok",
      protocolVersion: "2025-06-18",
      snapshotVersion: 7,
    });
    const deniedRow = await database.db.auditEvent.findUniqueOrThrow({ where: { id: denied.id } });
    expect(deniedRow).toMatchObject({
      decision: "denied",
      reason: "no grant",
      errorCode: -32003,
      arguments: null,
      resultSummary: null,
      isError: true,
      upstreamLatencyMs: null,
    });
  });

  it("is idempotent: the same batch twice stores each event once", async () => {
    const batch = [auditEvent(), auditEvent(), auditEvent()];

    const first = await ingestAuditEvents(database.db, batch);
    const second = await ingestAuditEvents(database.db, [...batch, batch[0]!]);

    expect(first.inserted).toBe(3);
    expect(second.inserted).toBe(0);
    const count = await database.db.auditEvent.count({ where: { id: { in: batch.map((e) => e.id) } } });
    expect(count).toBe(3);
  });

  it("keeps an event of an unknown organization (as an orphan) without losing its neighbours", async () => {
    const before = auditEvent();
    const stray = auditEvent({ orgId: "org_does_not_exist" });
    const after = auditEvent();

    const result = await ingestAuditEvents(database.db, [before, stray, after]);

    expect(result).toEqual({ inserted: 3, detached: 1 });
    const rows = await database.db.auditEvent.findMany({
      where: { id: { in: [before.id, stray.id, after.id] } },
      select: { id: true, orgId: true },
    });
    expect(new Map(rows.map((r) => [r.id, r.orgId]))).toEqual(
      new Map([
        [before.id, orgId],
        [stray.id, null],
        [after.id, orgId],
      ]),
    );
  });

  it("stores an event whose organization was deleted after it was recorded", async () => {
    const doomed = newId("organization");
    await database.db.organization.create({ data: { id: doomed, name: "Doomed", slug: `doomed-${doomed}` } });
    const event = auditEvent({ orgId: doomed });
    await database.db.organization.delete({ where: { id: doomed } });

    await expect(ingestAuditEvents(database.db, [event])).resolves.toEqual({ inserted: 1, detached: 1 });
  });

  it("truncates a long result summary to RESULT_SUMMARY_MAX", async () => {
    const event = auditEvent({ resultSummary: "x".repeat(RESULT_SUMMARY_MAX * 3) });

    await ingestAuditEvents(database.db, [event]);

    const row = await database.db.auditEvent.findUniqueOrThrow({ where: { id: event.id } });
    expect(row.resultSummary).toHaveLength(RESULT_SUMMARY_MAX);
    expect(row.resultSummary!.endsWith("…")).toBe(true);
  });

  it("does not let text Postgres refuses (NUL, out-of-range integers) poison the batch", async () => {
    const neighbour = auditEvent();
    const odd = auditEvent({
      toolName: "bad\0tool",
      arguments: { "k\0ey": ["v\0alue"] },
      resultSummary: "a\0b",
      errorCode: 2 ** 40,
    });

    await expect(ingestAuditEvents(database.db, [neighbour, odd])).resolves.toMatchObject({ inserted: 2 });

    const row = await database.db.auditEvent.findUniqueOrThrow({ where: { id: odd.id } });
    expect(row).toMatchObject({
      toolName: "bad\uFFFDtool",
      arguments: { "k\uFFFDey": ["v\uFFFDalue"] },
      resultSummary: "a\uFFFDb",
      errorCode: null,
    });
  });

  it("keeps working on connections whose session dropped its temporary objects", async () => {
    await ingestAuditEvents(database.db, [auditEvent()]);
    // Every connection of the pool (3) at once, so each one forgets the append function.
    await withSqlClient(database.db, (a) =>
      withSqlClient(database.db, (b) =>
        withSqlClient(database.db, (c) =>
          Promise.all([a, b, c].map((client) => client.query("DISCARD TEMP"))),
        ),
      ),
    );

    const event = auditEvent();
    await expect(ingestAuditEvents(database.db, [event])).resolves.toMatchObject({ inserted: 1 });
    await expect(verifyAuditChain(database.db, orgId)).resolves.toMatchObject({ ok: true });
  });

  it("does nothing for an empty batch", async () => {
    await expect(ingestAuditEvents(database.db, [])).resolves.toEqual({ inserted: 0, detached: 0 });
  });
});

describe("ingestAuditEvents keeps each chain in batch order", () => {
  async function chainIds(owner: string | null): Promise<string[]> {
    const rows = await database.db.auditEvent.findMany({
      where: { orgId: owner },
      orderBy: { chainSeq: "asc" },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  it("when one batch interleaves organizations and orphans, and the next batches follow", async () => {
    const other = newId("organization");
    await database.db.organization.create({ data: { id: other, name: "Other", slug: `other-${other}` } });
    const before = { mine: await chainIds(orgId), orphans: await chainIds(null) };
    const owners = [orgId, other, null, orgId, "org_gone", other, orgId, null];
    const batches = [0, 1, 2].map(() => owners.map((owner) => auditEvent({ orgId: owner })));

    for (const batch of batches) await ingestAuditEvents(database.db, batch);

    const all = batches.flat();
    const sent = (owner: string | null) =>
      all.filter((e) => (owner === null ? e.orgId === null || e.orgId === "org_gone" : e.orgId === owner));
    expect(await chainIds(orgId)).toEqual([...before.mine, ...sent(orgId).map((e) => e.id)]);
    expect(await chainIds(other)).toEqual(sent(other).map((e) => e.id));
    expect(await chainIds(null)).toEqual([...before.orphans, ...sent(null).map((e) => e.id)]);
    for (const owner of [orgId, other, null]) {
      await expect(verifyAuditChain(database.db, owner)).resolves.toMatchObject({ ok: true });
    }
  });

  it("when a batch races a concurrent delivery of one of its events: retried, each event stored once", async () => {
    const [first, contested, last] = [auditEvent(), auditEvent(), auditEvent()];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted: () => void = () => {};
    const insertedOnce = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    // Another writer (as a delivery resolved to another chain would) has stored `contested`
    // but not committed yet: the batch cannot see it, and its INSERT waits on the key.
    const rival = database.db.$transaction(
      async (tx) => {
        await tx.$executeRaw`
          INSERT INTO audit_events (id, occurred_at, ingested_at, request_id, method, decision, is_error, latency_ms)
          VALUES (${contested.id}, now(), now(), 'req_rival', 'tools/call', 'allowed', false, 1)`;
        inserted();
        await held;
      },
      { timeout: 60_000 },
    );
    await insertedOnce;

    const ingest = ingestAuditEvents(database.db, [first, contested, last]);
    await waitUntilAnInsertWaitsOnALock();
    release();
    await rival;

    await expect(ingest).resolves.toMatchObject({ inserted: 2 });
    const stored = await database.db.auditEvent.findMany({
      where: { id: { in: [first.id, contested.id, last.id] } },
      select: { id: true, orgId: true },
    });
    expect(stored).toHaveLength(3);
    expect(stored.find((row) => row.id === contested.id)?.orgId).toBeNull();
    const ids = await chainIds(orgId);
    expect(ids.slice(-2)).toEqual([first.id, last.id]);
    await expect(verifyAuditChain(database.db, orgId)).resolves.toMatchObject({ ok: true });
  });
});

/** Polls until some backend of this database waits for a lock (the blocked ingest). */
async function waitUntilAnInsertWaitsOnALock(): Promise<void> {
  for (;;) {
    const [row] = await database.db.$queryRaw<Array<{ n: bigint }>>`
      SELECT count(*) AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%portcullis_audit_append%'`;
    if (Number(row?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
