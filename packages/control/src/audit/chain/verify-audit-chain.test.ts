import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId, randomToken } from "@portcullis/contracts/ids";
import { createDb, type Db } from "@portcullis/db/client";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestAuditEvents } from "../ingest-audit-events";
import { verifyAuditChain } from "./verify-audit-chain";

let database: TestDatabase;
/** A second client: another worker process ingesting at the same time. */
let otherWorker: Db;

beforeAll(async () => {
  database = await createTestDatabase({ name: "audit_chain" });
  otherWorker = createDb(database.url, { max: 2 });
});

afterAll(async () => {
  await otherWorker?.$disconnect();
  await database?.drop();
});

async function newOrg(): Promise<string> {
  const id = newId("organization");
  await database.db.organization.create({ data: { id, name: id, slug: id } });
  return id;
}

let clock = Date.parse("2026-05-01T00:00:00.000Z");
function event(orgId: string | null, overrides: Partial<AuditEvent> = {}): AuditEvent {
  clock += 1_000;
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date(clock).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_1",
    agentName: "ci-bot",
    teamId: null,
    userId: null,
    serverId: "srv_1",
    serverName: "github",
    toolName: "github__create_issue",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { title: "Bump deps", n: 0.1 + 0.2, nested: { b: [1, "two"], a: null } },
    resultSummary: "created #42",
    isError: false,
    latencyMs: 12.345678901234,
    upstreamLatencyMs: 10.5,
    upstreamStatus: "ok",
    protocolVersion: "2025-11-25",
    snapshotVersion: 3,
    dlp: [{ detector: "email", direction: "arguments", path: "$.body", action: "redact", policyId: null }],
    ...overrides,
  };
}

function events(orgId: string | null, n: number): AuditEvent[] {
  return Array.from({ length: n }, () => event(orgId));
}

async function chainOf(orgId: string | null) {
  return database.db.auditEvent.findMany({
    where: { orgId, chainSeq: { not: null } },
    orderBy: { chainSeq: "asc" },
    select: { id: true, chainSeq: true, prevHash: true, hash: true },
  });
}

describe("verifyAuditChain", () => {
  it("verifies an intact chain: every event hashed and linked to the one before it", async () => {
    const org = await newOrg();
    await ingestAuditEvents(database.db, events(org, 5));
    await ingestAuditEvents(database.db, events(org, 4));

    const chain = await chainOf(org);
    expect(chain.map((e) => Number(e.chainSeq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(chain[0]!.prevHash).toBeNull();
    for (let i = 1; i < chain.length; i++) expect(chain[i]!.prevHash).toBe(chain[i - 1]!.hash);
    expect(await verifyAuditChain(database.db, org)).toEqual({
      ok: true,
      checked: 9,
      complete: true,
      headHash: chain.at(-1)!.hash,
    });
  });

  it("detects an edited row, naming it", async () => {
    const org = await newOrg();
    await ingestAuditEvents(database.db, events(org, 6));
    const chain = await chainOf(org);
    const victim = chain[2]!.id;

    await database.db
      .$executeRaw`UPDATE audit_events SET result_summary = 'nothing happened' WHERE id = ${victim}`;

    expect(await verifyAuditChain(database.db, org)).toMatchObject({
      ok: false,
      checked: 6,
      firstBrokenId: victim,
    });
  });

  it("detects an edit that also recomputes the edited row's own hash, at the next row", async () => {
    const org = await newOrg();
    await ingestAuditEvents(database.db, events(org, 4));
    const chain = await chainOf(org);

    await database.db.auditEvent.update({ where: { id: chain[1]!.id }, data: { hash: "f".repeat(64) } });

    expect((await verifyAuditChain(database.db, org)).firstBrokenId).toBe(chain[1]!.id);
  });

  it("detects a deleted middle row at the row after it", async () => {
    const org = await newOrg();
    await ingestAuditEvents(database.db, events(org, 7));
    const chain = await chainOf(org);

    await database.db.auditEvent.delete({ where: { id: chain[3]!.id } });

    expect(await verifyAuditChain(database.db, org)).toMatchObject({
      ok: false,
      checked: 6,
      firstBrokenId: chain[4]!.id,
    });
  });

  it("accepts a chain whose oldest events are gone, anchored on the first remaining one", async () => {
    const org = await newOrg();
    await ingestAuditEvents(database.db, events(org, 5));
    const chain = await chainOf(org);

    await database.db.auditEvent.deleteMany({ where: { id: { in: [chain[0]!.id, chain[1]!.id] } } });

    expect(await verifyAuditChain(database.db, org)).toMatchObject({ ok: true, checked: 3 });
  });

  it("starts at a given event with `from`, and refuses an event of another chain", async () => {
    const org = await newOrg();
    await ingestAuditEvents(database.db, events(org, 5));
    const chain = await chainOf(org);
    await database.db.$executeRaw`UPDATE audit_events SET latency_ms = 1 WHERE id = ${chain[0]!.id}`;

    expect(await verifyAuditChain(database.db, org)).toMatchObject({
      ok: false,
      firstBrokenId: chain[0]!.id,
    });
    expect(await verifyAuditChain(database.db, org, { from: chain[2]!.id })).toMatchObject({
      ok: true,
      checked: 3,
      complete: false,
    });
    const other = await newOrg();
    await expect(verifyAuditChain(database.db, other, { from: chain[2]!.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  it("checks only the newest events with `last`", async () => {
    const org = await newOrg();
    await ingestAuditEvents(database.db, events(org, 6));
    const chain = await chainOf(org);
    await database.db.$executeRaw`UPDATE audit_events SET method = 'tools/list' WHERE id = ${chain[1]!.id}`;

    expect(await verifyAuditChain(database.db, org, { last: 4 })).toMatchObject({
      ok: true,
      checked: 4,
      complete: false,
    });
    expect(await verifyAuditChain(database.db, org, { last: 100 })).toMatchObject({
      checked: 6,
      complete: true,
    });
    expect(await verifyAuditChain(database.db, org, { last: 5 })).toMatchObject({
      ok: false,
      checked: 5,
      firstBrokenId: chain[1]!.id,
    });
    await expect(verifyAuditChain(database.db, org, { last: 0 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });

  it("keeps each organization, and events without one, in chains of their own", async () => {
    const [a, b] = [await newOrg(), await newOrg()];
    const orphans = [event("org_that_does_not_exist"), event(null)];
    const before = (await chainOf(null)).length;

    await ingestAuditEvents(database.db, [event(a), event(b), orphans[0]!, event(a), orphans[1]!, event(b)]);

    expect((await chainOf(a)).map((e) => Number(e.chainSeq))).toEqual([1, 2]);
    expect((await chainOf(b)).map((e) => Number(e.chainSeq))).toEqual([1, 2]);
    expect((await chainOf(null)).length).toBe(before + 2);
    for (const org of [a, b, null])
      expect(await verifyAuditChain(database.db, org)).toMatchObject({ ok: true });
  });
});

describe("ingest keeps one unbroken chain", () => {
  it("across concurrent batches from two workers, with re-deliveries among them", async () => {
    const org = await newOrg();
    const batches = Array.from({ length: 8 }, () => events(org, 15));
    // Every batch is delivered twice, at the same time, one delivery per worker.
    const deliveries = batches.flatMap((batch, i) => [
      ingestAuditEvents(i % 2 === 0 ? database.db : otherWorker, batch),
      ingestAuditEvents(i % 2 === 0 ? otherWorker : database.db, [...batch].reverse()),
    ]);

    const results = await Promise.all(deliveries);

    expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(120);
    const chain = await chainOf(org);
    expect(chain.map((e) => Number(e.chainSeq))).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(await verifyAuditChain(database.db, org)).toMatchObject({ ok: true, checked: 120 });
  });

  it("when a batch is re-delivered with new events after it", async () => {
    const org = await newOrg();
    const first = events(org, 3);
    await ingestAuditEvents(database.db, first);

    const again = await ingestAuditEvents(database.db, [...first, ...events(org, 2), first[1]!]);

    expect(again.inserted).toBe(2);
    expect(await verifyAuditChain(database.db, org)).toMatchObject({ ok: true, checked: 5 });
  });

  it("for events with text Postgres would refuse (NUL, lone surrogates, names too long to index)", async () => {
    const org = await newOrg();
    const odd = event(org, {
      toolName: "bad\0tool\ud800",
      arguments: { "k\0ey": ["v\udc00alue"], fine: "😀" },
      resultSummary: "a\0b",
    });
    // A client picks the method and tool name it sends; btree entries over ~2.7 kB are refused.
    const huge = event(org, {
      method: randomToken(10_000),
      toolName: randomToken(10_000),
      agentId: randomToken(5_000),
    });

    await ingestAuditEvents(database.db, [odd, huge, event(org)]);

    const row = await database.db.auditEvent.findUniqueOrThrow({ where: { id: odd.id } });
    expect(row).toMatchObject({
      toolName: "bad\uFFFDtool\uFFFD",
      arguments: { "k\uFFFDey": ["v\uFFFDalue"], fine: "😀" },
    });
    const cut = await database.db.auditEvent.findUniqueOrThrow({ where: { id: huge.id } });
    expect([cut.method.length, cut.toolName?.length, cut.agentId?.length]).toEqual([256, 256, 256]);
    expect(cut.toolName?.endsWith("…")).toBe(true);
    expect(await verifyAuditChain(database.db, org)).toMatchObject({ ok: true, checked: 3 });
  });
});
