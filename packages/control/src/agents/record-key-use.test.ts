import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../audit/chain/verify-audit-chain";
import { ingestAuditEvents } from "../audit/ingest-audit-events";
import { createApiKey } from "./create-api-key";
import { recordKeyUse } from "./record-key-use";

const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_key_use" });
  orgId = newId("organization");
  const teamId = newId("team");
  await database.db.organization.create({ data: { id: orgId, name: "Acme", slug: "acme" } });
  await database.db.team.create({ data: { id: teamId, orgId, name: "platform" } });
  await database.db.agent.create({ data: { id: newId("agent"), orgId, teamId, name: "ci-bot" } });
});
afterAll(async () => {
  await database?.drop();
});

function used(keyId: string | null, at: string): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: at,
    requestId: newId("request"),
    method: "tools/call",
    agentId: null,
    agentName: "ci-bot",
    teamId: null,
    userId: null,
    serverId: null,
    serverName: null,
    toolName: "echo",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: null,
    resultSummary: null,
    isError: false,
    latencyMs: 1,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: 1,
    keyId,
  };
}

describe("agent keys' last use", () => {
  it("follows the audit events, at most once a minute per key, never backwards", async () => {
    const key = await createApiKey(database.db, { agentName: "ci-bot", actor });
    const lastUsed = async () =>
      (await database.db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt?.toISOString() ??
      null;
    expect(await lastUsed()).toBeNull();

    expect(
      await recordKeyUse(database.db, [
        used(key.id, "2026-05-01T10:00:00.000Z"),
        used(key.id, "2026-05-01T10:00:05.000Z"),
      ]),
    ).toBe(1);
    expect(await lastUsed()).toBe("2026-05-01T10:00:05.000Z");
    // Within the minute: not written again.
    expect(await recordKeyUse(database.db, [used(key.id, "2026-05-01T10:00:50.000Z")])).toBe(0);
    expect(await lastUsed()).toBe("2026-05-01T10:00:05.000Z");
    // Older events (a replayed spool) do not move it back; a minute later they move it on.
    expect(await recordKeyUse(database.db, [used(key.id, "2026-05-01T09:00:00.000Z")])).toBe(0);
    expect(
      await recordKeyUse(database.db, [
        used(key.id, "2026-05-01T10:01:10.000Z"),
        used(null, "2026-05-01T11:00:00.000Z"),
      ]),
    ).toBe(1);
    expect(await lastUsed()).toBe("2026-05-01T10:01:10.000Z");
  });

  it("stores the key id with the audit event, inside the event's hash", async () => {
    const key = await createApiKey(database.db, { agentName: "ci-bot", actor });
    const event = used(key.id, new Date().toISOString());
    await ingestAuditEvents(database.db, [event, used(null, new Date().toISOString())]);
    expect((await database.db.auditEvent.findUniqueOrThrow({ where: { id: event.id } })).keyId).toBe(key.id);
    expect((await verifyAuditChain(database.db, orgId)).ok).toBe(true);
    await database.db.$executeRaw`UPDATE audit_events SET key_id = 'key_other' WHERE id = ${event.id}`;
    expect(await verifyAuditChain(database.db, orgId)).toMatchObject({ ok: false, firstBrokenId: event.id });
  });
});
