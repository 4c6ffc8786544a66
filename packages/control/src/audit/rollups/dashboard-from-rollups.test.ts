import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyAuditRetention } from "../apply-retention";
import { getAuditDashboard } from "../audit-dashboard";
import { ingestAuditEvents } from "../ingest-audit-events";
import { foldAuditRollups } from "./fold-audit-rollups";

// The rollup-backed dashboard must answer exactly as the statement over the events:
// seeded events of every kind over 40 days, folded, then more events the worker has not
// folded yet, compared range by range (odd boundaries, a portal, after retention).

let database: TestDatabase;
const org = newId("organization");
const otherOrg = newId("organization");
const start = Date.parse("2026-03-01T00:00:00.000Z");
const DAY_MS = 86_400_000;

/** A deterministic spread of events: servers, tools, agents, portals, decisions, latencies. */
function events(count: number, seed: number, orgId = org): AuditEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const g = i * 7919 + seed;
    const s = g % 5;
    const decision = g % 11 === 0 ? "denied" : g % 13 === 0 ? "error" : "allowed";
    const method = g % 17 === 0 ? "tools/list" : "tools/call";
    return {
      id: newId("auditEvent"),
      orgId,
      // Minutes, not hours: many events fall inside partial hours at the ranges' ends.
      occurredAt: new Date(start + ((g * 37) % (40 * 24 * 60)) * 60_000 + (g % 60) * 1000).toISOString(),
      requestId: newId("request"),
      method,
      agentId: g % 9 === 0 ? null : `agt_${g % 14}`,
      agentName: `agent-${g % 14}`,
      teamId: null,
      userId: null,
      serverId: method === "tools/list" && g % 2 === 0 ? null : `srv_${s}`,
      serverName: `server-${s}`,
      toolName: method === "tools/list" ? null : `server-${s}__tool_${g % 23}`,
      decision,
      reason:
        decision === "denied"
          ? g % 3 === 0
            ? null
            : `rule ${g % 4}`
          : decision === "error"
            ? `upstream ${g % 2}`
            : null,
      errorCode: null,
      arguments: null,
      resultSummary: null,
      isError: decision === "error" || (decision === "allowed" && g % 19 === 0),
      latencyMs: 1 + (g % 250),
      upstreamLatencyMs: null,
      upstreamStatus: null,
      protocolVersion: null,
      snapshotVersion: null,
      portal: g % 4 === 0 ? "ops" : g % 4 === 1 ? "sales" : null,
    };
  });
}

const ranges: Array<[string, { from: Date; to: Date; portal?: string }]> = [
  [
    "30 days to an odd instant",
    { from: new Date(start + 9 * DAY_MS + 1_234_567), to: new Date(start + 39 * DAY_MS + 7_654_321) },
  ],
  [
    "30 days, one portal",
    {
      from: new Date(start + 5 * DAY_MS + 999),
      to: new Date(start + 35 * DAY_MS + 3_333_333),
      portal: "ops",
    },
  ],
  ["40 days, whole", { from: new Date(start), to: new Date(start + 40 * DAY_MS) }],
  [
    "3 days, whole hours only",
    { from: new Date(start + 2 * DAY_MS + 3_600_000), to: new Date(start + 5 * DAY_MS) },
  ],
  [
    "2 days across a day boundary",
    { from: new Date(start + DAY_MS / 2 + 77_000), to: new Date(start + 2.5 * DAY_MS) },
  ],
  ["a portal with no events", { from: new Date(start), to: new Date(start + 30 * DAY_MS), portal: "none" }],
];

async function expectSameAnswers() {
  for (const [name, range] of ranges) {
    const fromRollups = await getAuditDashboard(database.db, org, range);
    const fromEvents = await getAuditDashboard(database.db, org, range, { rollups: false });
    expect(fromRollups, name).toEqual(fromEvents);
  }
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "dashboard_rollups" });
  for (const id of [org, otherOrg])
    await database.db.organization.create({ data: { id, name: id, slug: id } });
  // Events from before chaining existed: folded by the first fold.
  await ingestAuditEvents(database.db, events(300, 1));
  await database.db.$executeRaw`UPDATE audit_events SET chain_seq = NULL, prev_hash = NULL, hash = NULL`;
  for (let batch = 0; batch < 6; batch++) await ingestAuditEvents(database.db, events(400, 100 + batch));
  await ingestAuditEvents(database.db, events(200, 5, otherOrg));
});

afterAll(async () => {
  await database?.drop();
});

describe("the dashboard over rollups", () => {
  it("answers as the events do once folded, and reads the rollups", async () => {
    const folded = await foldAuditRollups(database.db, { chunk: 1000 });
    expect(folded.events).toBe(2_900);
    await expectSameAnswers();

    // The rollups are what answers: a changed row shows.
    await database.db
      .$executeRaw`UPDATE audit_rollups SET total = total + 1000 WHERE org_id = ${org} AND dim = 'all'`;
    const [name, range] = ranges[0]!;
    const tampered = await getAuditDashboard(database.db, org, range);
    expect(tampered.totals.total, name).toBeGreaterThan(
      (await getAuditDashboard(database.db, org, range, { rollups: false })).totals.total,
    );
    await database.db
      .$executeRaw`UPDATE audit_rollups SET total = total - 1000 WHERE org_id = ${org} AND dim = 'all'`;
  });

  it("counts the events the worker has not folded yet", async () => {
    await ingestAuditEvents(database.db, events(500, 999));
    await expectSameAnswers();
    // Folding twice adds nothing: the watermark moved with the rows.
    expect((await foldAuditRollups(database.db)).events).toBe(500);
    expect((await foldAuditRollups(database.db)).events).toBe(0);
    await expectSameAnswers();
  });

  it("stays exact after retention deleted the oldest events", async () => {
    await applyAuditRetention(database.db, { olderThan: new Date(start + 12 * DAY_MS + 1_800_000) });
    await expectSameAnswers();
  });

  it("folds concurrently without counting an event twice", async () => {
    await ingestAuditEvents(database.db, events(600, 4242));
    const results = await Promise.all([
      foldAuditRollups(database.db, { chunk: 100 }),
      foldAuditRollups(database.db, { chunk: 100 }),
    ]);
    expect(results[0]!.events + results[1]!.events).toBe(600);
    await expectSameAnswers();
  });

  it("rounds fractional latencies to 3 significant digits, and only them", async () => {
    const fractional = newId("organization");
    await database.db.organization.create({ data: { id: fractional, name: fractional, slug: fractional } });
    await ingestAuditEvents(
      database.db,
      events(800, 77, fractional).map((e, i) => ({ ...e, latencyMs: 0.5 + ((i * 7.31) % 900) })),
    );
    await foldAuditRollups(database.db);
    const [, range] = ranges[0]!;
    const fromRollups = await getAuditDashboard(database.db, fractional, range);
    const fromEvents = await getAuditDashboard(database.db, fractional, range, { rollups: false });
    const withoutLatency = (d: typeof fromEvents) => ({
      ...d,
      latencyByServer: d.latencyByServer.map(({ p50Ms, p95Ms, ...rest }) => rest),
    });
    expect(withoutLatency(fromRollups)).toEqual(withoutLatency(fromEvents));
    fromRollups.latencyByServer.forEach((server, i) => {
      const exact = fromEvents.latencyByServer[i]!;
      expect(Math.abs(server.p50Ms - exact.p50Ms)).toBeLessThanOrEqual(exact.p50Ms * 0.005);
      expect(Math.abs(server.p95Ms - exact.p95Ms)).toBeLessThanOrEqual(exact.p95Ms * 0.005);
    });
  });
});
