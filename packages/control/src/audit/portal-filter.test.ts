import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAuditDashboard } from "./audit-dashboard";
import { verifyAuditChain } from "./chain/verify-audit-chain";
import { getAuditEvent } from "./get-audit-event";
import { ingestAuditEvents } from "./ingest-audit-events";
import { searchAudit } from "./search-audit";
import { searchAuditEvents } from "./search-audit-events";

// Issue 9 point 5: every portal has its own audit field, search filter and dashboard filter.
let database: TestDatabase;
const org = newId("organization");
const t0 = Date.parse("2026-05-01T10:00:00.000Z");

function event(minutes: number, portal: string | null): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId: org,
    occurredAt: new Date(t0 + minutes * 60_000).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_a",
    agentName: "a",
    teamId: "team_a",
    userId: null,
    serverId: "srv_conf",
    serverName: "conf",
    toolName: "echo",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: null,
    resultSummary: null,
    isError: false,
    latencyMs: 5,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: "2026-07-28",
    snapshotVersion: 1,
    ...(portal !== null && { portal }),
  };
}

const viaPortal = [event(1, "conformance"), event(2, "conformance")];
const viaOther = event(3, "other");
const viaMcp = event(4, null);

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_audit_portal" });
  await database.db.organization.create({ data: { id: org, name: org, slug: org } });
  await ingestAuditEvents(database.db, [...viaPortal, viaOther, viaMcp]);
});
afterAll(async () => database?.drop());

describe("the portal of an audit event", () => {
  it("is stored, shown, and narrows search and the dashboard; the chain still verifies", async () => {
    expect((await getAuditEvent(database.db, org, viaPortal[0]!.id)).portal).toBe("conformance");
    expect((await getAuditEvent(database.db, org, viaMcp.id)).portal).toBeNull();
    const found = await searchAuditEvents(database.db, { orgId: org }, { portal: "conformance" });
    expect(found.items.map((e) => e.id).sort()).toEqual(viaPortal.map((e) => e.id).sort());
    const direct = await searchAuditEvents(database.db, { orgId: org }, { portal: null });
    expect(direct.items.map((e) => e.id)).toEqual([viaMcp.id]);
    // The CLI's search (`portcullis audit search --portal`), over the installation.
    expect((await searchAudit(database.db, { portal: "other" })).rows.map((e) => e.id)).toEqual([
      viaOther.id,
    ]);
    const range = { from: new Date(t0), to: new Date(t0 + 3_600_000) };
    expect((await getAuditDashboard(database.db, org, range)).totals.total).toBe(4);
    expect(
      (await getAuditDashboard(database.db, org, { ...range, portal: "conformance" })).totals.total,
    ).toBe(2);
    expect((await verifyAuditChain(database.db, org, {})).ok).toBe(true);
  });
});
