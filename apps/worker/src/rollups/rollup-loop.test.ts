import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { getAuditDashboard } from "@portcullis/control/audit/audit-dashboard";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAuditRollupLoop } from "./rollup-loop";

let database: TestDatabase;
const org = newId("organization");
const start = Date.parse("2026-06-01T00:00:00.000Z");
const range = { from: new Date(start + 1_000), to: new Date(start + 3 * 86_400_000 - 1_000) };

function events(count: number, seed: number): AuditEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: newId("auditEvent"),
    orgId: org,
    occurredAt: new Date(start + ((i * 7919 + seed) % (3 * 1440)) * 60_000).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: `agt_${i % 5}`,
    agentName: `agent-${i % 5}`,
    teamId: null,
    userId: null,
    serverId: `srv_${i % 3}`,
    serverName: `server-${i % 3}`,
    toolName: `server-${i % 3}__tool_${i % 7}`,
    decision: i % 10 === 0 ? "denied" : "allowed",
    reason: i % 10 === 0 ? "no grant" : null,
    errorCode: null,
    arguments: null,
    resultSummary: null,
    isError: i % 12 === 0,
    latencyMs: 1 + (i % 40),
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: null,
  }));
}

/** The watermark's chain position, once the loop has folded everything stored. */
async function foldedUpTo(): Promise<bigint | null> {
  const mark = await database.db.auditRollupWatermark.findUnique({ where: { orgId: org } });
  return mark?.chainSeq ?? null;
}

async function runLoopUntilCaughtUp(stored: number) {
  const loop = startAuditRollupLoop({ db: database.db, everyMs: 100, logger: pino({ level: "silent" }) });
  await expect.poll(foldedUpTo, { timeout: 60_000, interval: 100 }).toBe(BigInt(stored));
  await loop.close();
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "worker_rollup_loop" });
  await database.db.organization.create({ data: { id: org, name: org, slug: org } });
});

afterAll(async () => {
  await database?.drop();
});

describe("the audit rollup loop", () => {
  it("folds stored events, and catches up after a restart", async () => {
    await ingestAuditEvents(database.db, events(400, 1));
    await runLoopUntilCaughtUp(400);
    const sum = await database.db.auditRollup.aggregate({
      _sum: { total: true },
      where: { orgId: org, dim: "all" },
    });
    expect(sum._sum.total).toBe(400n);

    // Stopped: new events wait behind the watermark, and the dashboard still counts them.
    await ingestAuditEvents(database.db, events(300, 2));
    expect(await foldedUpTo()).toBe(400n);
    const withTail = await getAuditDashboard(database.db, org, range);
    expect(withTail.totals.total).toBe(
      (await getAuditDashboard(database.db, org, range, { rollups: false })).totals.total,
    );

    // A new loop (a restarted worker) picks up at the watermark: each event counted once.
    await runLoopUntilCaughtUp(700);
    const after = await database.db.auditRollup.aggregate({
      _sum: { total: true },
      where: { orgId: org, dim: "all" },
    });
    expect(after._sum.total).toBe(700n);
    expect(await getAuditDashboard(database.db, org, range)).toEqual(
      await getAuditDashboard(database.db, org, range, { rollups: false }),
    );
  });
});
