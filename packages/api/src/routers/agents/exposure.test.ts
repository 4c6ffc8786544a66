import { NO_TOOLS_MATCHED } from "@portcullis/contracts/exposure";
import { newId } from "@portcullis/contracts/ids";
import { ingestAuditEvents } from "@portcullis/control/audit/ingest-audit-events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

// Issue 13 in the console's API: an agent's exposure (the same column the apply file
// writes) reaches the gateways; the preview's token costs; searches that found nothing.
let h: ApiHarness;
let agentId: string;
let theirAgent: string;

beforeAll(async () => {
  h = await startApiHarness("agent_exposure");
  const { db } = h.database;
  agentId = (await seedTeamWithAgent(db, { orgId: h.orgId, team: "platform", agent: "ci-bot" })).agentId!;
  theirAgent = (await seedTeamWithAgent(db, { orgId: h.otherOrgId, team: "platform", agent: "spy" }))
    .agentId!;
  const tools = Array.from({ length: 40 }, (_, i) => ({
    name: `tool_${i}`,
    description: `Does task number ${i}.`,
  }));
  const { serverId } = await seedServerWithTools(db, { orgId: h.orgId, name: "crm", tools });
  await db.grant.create({
    data: { id: newId("grant"), orgId: h.orgId, agentId, serverId, toolPattern: "*", effect: "allow" },
  });
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("agent exposure · happy path", () => {
  it("sets search or code, publishes it, and inherits again with null", async () => {
    const admin = await h.as("admin");
    expect(await admin.agents.setExposure({ id: agentId, exposure: "code" })).toEqual({
      id: agentId,
      exposure: "code",
    });
    expect((await servedSnapshot(h.redis, h.names())).agents.find((a) => a.id === agentId)?.exposure).toBe(
      "code",
    );
    const context = await admin.agents.context({ id: agentId });
    expect(context).toMatchObject({ exposure: "code", effective: "code", toolCount: 40 });
    // 40 schemas cost far more than the two meta-tools, which stay the same at any tool count.
    expect(context.tokens.full).toBeGreaterThan(1_000);
    expect(context.tokens.search).toBeLessThan(400);
    expect(context.tokens.code).toBeLessThan(400);

    await admin.agents.setExposure({ id: agentId, exposure: null });
    const served = (await servedSnapshot(h.redis, h.names())).agents.find((a) => a.id === agentId);
    expect(served?.exposure ?? null).toBeNull();
    expect(await admin.agents.context({ id: agentId })).toMatchObject({ exposure: null, effective: "full" });
    const audit = await h.database.db.adminAuditLog.findMany({
      where: { targetId: agentId, action: "agent.set_exposure" },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => a.details)).toEqual([
      expect.objectContaining({ changes: { exposure: { from: null, to: "code" } } }),
      expect.objectContaining({ changes: { exposure: { from: "code", to: null } } }),
    ]);
  });

  it("lists search queries that found nothing, most frequent first, for this organization only", async () => {
    const now = Date.now();
    const event = (orgId: string, query: string, summary: string, ago: number) => ({
      id: newId("auditEvent"),
      orgId,
      occurredAt: new Date(now - ago).toISOString(),
      requestId: newId("request"),
      method: "tools/call",
      agentId,
      agentName: "ci-bot",
      teamId: null,
      userId: null,
      serverId: null,
      serverName: null,
      toolName: "search_tools",
      decision: "allowed" as const,
      reason: null,
      errorCode: null,
      arguments: { query },
      resultSummary: summary,
      isError: false,
      latencyMs: 1,
      upstreamLatencyMs: null,
      upstreamStatus: null,
      protocolVersion: null,
      snapshotVersion: 1,
    });
    await ingestAuditEvents(h.database.db, [
      event(h.orgId, "refund a payment", NO_TOOLS_MATCHED, 3_000),
      event(h.orgId, "Refund a payment ", NO_TOOLS_MATCHED, 2_000),
      event(h.orgId, "page the on-call", NO_TOOLS_MATCHED, 1_000),
      event(h.orgId, "send email", "1 tools: mail__send", 1_000),
      event(h.otherOrgId, "their secret search", NO_TOOLS_MATCHED, 1_000),
    ]);
    // A tool call made by execute keeps its parent through ingest, the chain and the API.
    const inner = { ...event(h.orgId, "x", "ok", 500), toolName: "echo", parentId: "evt_outer" };
    await ingestAuditEvents(h.database.db, [inner]);
    const admin = await h.as("admin");
    expect((await admin.audit.get({ id: inner.id })).parentId).toBe("evt_outer");
    expect((await admin.audit.verifyChain()).ok).toBe(true);
    // The parent is covered by the event's hash: rewriting it breaks the chain.
    await h.database.db.$executeRaw`UPDATE audit_events SET parent_id = 'evt_forged' WHERE id = ${inner.id}`;
    expect((await admin.audit.verifyChain()).ok).toBe(false);
    await h.database.db.$executeRaw`UPDATE audit_events SET parent_id = 'evt_outer' WHERE id = ${inner.id}`;
    const found = await admin.audit.unmatchedSearches({
      from: new Date(now - 60_000),
      to: new Date(now + 1_000),
    });
    expect(found.map((f) => [f.query, f.count])).toEqual([
      ["refund a payment", 2],
      ["page the on-call", 1],
    ]);
  });
});

describe("agent exposure · errors and security", () => {
  it("refuses an unknown mode, a member without agents.write, and another organization's agent", async () => {
    const admin = await h.as("admin");
    expect(
      (await caught(admin.agents.setExposure({ id: agentId, exposure: "everything" as "code" }))).code,
    ).toBe("BAD_REQUEST");
    const member = await h.as("member");
    expect((await caught(member.agents.setExposure({ id: agentId, exposure: "search" }))).code).toBe(
      "FORBIDDEN",
    );
    expect((await caught(admin.agents.setExposure({ id: theirAgent, exposure: "search" }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await caught(admin.agents.context({ id: theirAgent }))).code).toBe("NOT_FOUND");
  });
});
