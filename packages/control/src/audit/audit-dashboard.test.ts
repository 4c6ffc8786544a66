import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAuditDashboard } from "./audit-dashboard";
import { ingestAuditEvents } from "./ingest-audit-events";

let database: TestDatabase;
const org = newId("organization");
const otherOrg = newId("organization");
const from = new Date("2026-04-01T00:00:00.000Z");
const to = new Date("2026-04-02T00:00:00.000Z");
const hour = (h: number, minute = 0) =>
  new Date(from.getTime() + h * 3_600_000 + minute * 60_000).toISOString();

function event(overrides: Partial<AuditEvent>): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId: org,
    occurredAt: hour(0),
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_ci",
    agentName: "ci-bot",
    teamId: null,
    userId: null,
    serverId: "srv_github",
    serverName: "github",
    toolName: "github__list_issues",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: null,
    resultSummary: null,
    isError: false,
    latencyMs: 10,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: null,
    ...overrides,
  };
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "audit_dashboard" });
  for (const id of [org, otherOrg])
    await database.db.organization.create({ data: { id, name: id, slug: id } });
  await ingestAuditEvents(database.db, [
    // github: 10 calls at 1…10 ms, in hour 1
    ...Array.from({ length: 10 }, (_, i) => event({ occurredAt: hour(1, i), latencyMs: i + 1 })),
    // slack: 2 calls, one denied twice for the same reason, in hour 5
    event({
      occurredAt: hour(5),
      serverId: "srv_slack",
      serverName: "slack",
      toolName: "slack__post",
      latencyMs: 100,
    }),
    event({
      occurredAt: hour(5, 1),
      serverId: "srv_slack",
      serverName: "slack",
      toolName: "slack__post",
      agentId: "agt_deploy",
      agentName: "deploy-bot",
      decision: "denied",
      reason: "no grant",
      latencyMs: 2,
    }),
    event({
      occurredAt: hour(6),
      decision: "denied",
      reason: "no grant",
      agentId: "agt_deploy",
      agentName: "deploy-bot",
    }),
    event({
      occurredAt: hour(6),
      decision: "denied",
      reason: "argument rule",
      toolName: "github__delete_repo",
    }),
    // errors: a gateway error and a tool that returned an error result
    event({
      occurredAt: hour(7),
      decision: "error",
      reason: "upstream timeout",
      toolName: "github__delete_repo",
    }),
    event({ occurredAt: hour(7), isError: true }),
    // not a tool call: counted as a request, not in latency
    event({
      occurredAt: hour(8),
      method: "tools/list",
      toolName: null,
      serverId: null,
      serverName: null,
      latencyMs: 1,
    }),
    // outside the range, and another organization's
    event({ occurredAt: new Date(to.getTime()).toISOString() }),
    event({ occurredAt: new Date(from.getTime() - 1).toISOString() }),
    event({ orgId: otherOrg, occurredAt: hour(2) }),
  ]);
});

afterAll(async () => {
  await database?.drop();
});

describe("getAuditDashboard", () => {
  it("counts requests, denials and errors over the range, in buckets", async () => {
    const dashboard = await getAuditDashboard(database.db, org, { from, to });

    expect(dashboard.totals).toEqual({ total: 17, denied: 3, errors: 2 });
    expect(dashboard.bucketSeconds).toBe(1800); // a day in at most 60 buckets
    expect(dashboard.buckets).toHaveLength(48);
    expect(dashboard.buckets[0]!.start).toEqual(from);
    expect(dashboard.buckets[2]).toEqual({ start: new Date(hour(1)), total: 10, denied: 0, errors: 0 });
    expect(dashboard.buckets[10]).toEqual({ start: new Date(hour(5)), total: 2, denied: 1, errors: 0 });
    expect(dashboard.buckets[14]).toEqual({ start: new Date(hour(7)), total: 2, denied: 0, errors: 2 });
    expect(dashboard.buckets.reduce((sum, b) => sum + b.total, 0)).toBe(17);
  });

  it("groups denials and errors by reason", async () => {
    const dashboard = await getAuditDashboard(database.db, org, { from, to });

    expect(dashboard.denialsByReason).toEqual([
      { reason: "no grant", count: 2 },
      { reason: "argument rule", count: 1 },
    ]);
    expect(dashboard.errorsByReason).toEqual([
      { reason: "the tool returned an error", count: 1 },
      { reason: "upstream timeout", count: 1 },
    ]);
  });

  it("reports tools/call latency percentiles per server, and the busiest tools and agents", async () => {
    const dashboard = await getAuditDashboard(database.db, org, { from, to });

    expect(dashboard.latencyByServer).toEqual([
      {
        serverId: "srv_github",
        serverName: "github",
        calls: 14,
        p50Ms: expect.any(Number),
        p95Ms: expect.any(Number),
      },
      { serverId: "srv_slack", serverName: "slack", calls: 2, p50Ms: 51, p95Ms: expect.closeTo(95.1, 5) },
    ]);
    const github = dashboard.latencyByServer[0]!;
    expect(github.p50Ms).toBeGreaterThanOrEqual(7);
    expect(github.p50Ms).toBeLessThanOrEqual(10);
    expect(dashboard.topTools[0]).toEqual({
      toolName: "github__list_issues",
      calls: 12,
      denied: 1,
      errors: 1,
    });
    expect(dashboard.topTools.map((t) => t.toolName)).toEqual([
      "github__list_issues",
      "github__delete_repo",
      "slack__post",
    ]);
    expect(dashboard.topAgents).toEqual([
      { agentId: "agt_ci", agentName: "ci-bot", calls: 15, denied: 1, errors: 2 },
      { agentId: "agt_deploy", agentName: "deploy-bot", calls: 2, denied: 2, errors: 0 },
    ]);
  });

  it("shows an empty range as empty buckets, and refuses a reversed or huge range", async () => {
    const empty = await getAuditDashboard(database.db, org, {
      from: new Date("2025-01-01T00:00:00Z"),
      to: new Date("2025-01-01T01:00:00Z"),
    });
    expect(empty.totals).toEqual({ total: 0, denied: 0, errors: 0 });
    expect(empty.buckets).toHaveLength(60);
    expect(empty.topTools).toEqual([]);

    await expect(getAuditDashboard(database.db, org, { from: to, to: from })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    await expect(
      getAuditDashboard(database.db, org, { from: new Date("2020-01-01"), to }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});
