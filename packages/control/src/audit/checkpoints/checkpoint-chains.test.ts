import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { Prisma } from "@portcullis/db/client";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminLinkHashSql, verifyAdminChain } from "../../admin-audit/admin-chain";
import { recordAdminChange } from "../../admin-audit/record-admin-change";
import { eventDigestSql, linkHashSql } from "../chain/chain-hash";
import { verifyAuditChain } from "../chain/verify-audit-chain";
import { ingestAuditEvents } from "../ingest-audit-events";
import { checkpointAuditChains } from "./checkpoint-chains";
import { auditIntegrityStatus } from "./integrity-status";

// #10 point 11: tamper evidence is keyed. An attacker with write access to Postgres but
// without PORTCULLIS_SECRET_KEY edits a row and recomputes every unkeyed hash after it.
const KEY = Buffer.alloc(32, 3);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ name: "audit_checkpoints" });
});
afterAll(async () => {
  await database?.drop();
});

async function newOrg(): Promise<string> {
  const id = newId("organization");
  await database.db.organization.create({ data: { id, name: id, slug: id } });
  return id;
}

function event(orgId: string, i: number): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date(Date.parse("2026-05-01T00:00:00.000Z") + i * 1000).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_1",
    agentName: "ci-bot",
    teamId: null,
    userId: null,
    serverId: "srv_1",
    serverName: "github",
    toolName: "github__delete_repo",
    decision: "denied",
    reason: "no grant",
    errorCode: null,
    arguments: { repo: `r${i}` },
    resultSummary: null,
    isError: false,
    latencyMs: 1,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: 1,
  };
}

/** What an attacker without the key does: edit one row, then rehash it and every row after it. */
async function editAndRehashAudit(orgId: string, seq: number): Promise<void> {
  await database.db
    .$executeRaw`UPDATE audit_events SET decision = 'allowed', reason = 'grant' WHERE org_id = ${orgId} AND chain_seq = ${seq}`;
  const rows = await database.db.auditEvent.findMany({
    where: { orgId, chainSeq: { gte: BigInt(seq) } },
    orderBy: { chainSeq: "asc" },
    select: { id: true },
  });
  for (const row of rows) {
    await database.db.$executeRaw`
      UPDATE audit_events AS e
         SET prev_hash = (SELECT hash FROM audit_events WHERE org_id = ${orgId} AND chain_seq = e.chain_seq - 1)
       WHERE e.id = ${row.id}`;
    await database.db.$executeRaw`
      UPDATE audit_events AS e SET hash = ${linkHashSql(Prisma.sql`e.prev_hash`, eventDigestSql("e"))} WHERE e.id = ${row.id}`;
  }
}

async function editAndRehashAdmin(orgId: string, seq: number): Promise<void> {
  await database.db
    .$executeRaw`UPDATE admin_audit_logs SET action = 'grant.view' WHERE org_id = ${orgId} AND chain_seq = ${seq}`;
  const rows = await database.db.adminAuditLog.findMany({
    where: { orgId, chainSeq: { gte: BigInt(seq) } },
    orderBy: { chainSeq: "asc" },
    select: { id: true },
  });
  for (const row of rows) {
    await database.db.$executeRaw`
      UPDATE admin_audit_logs AS e
         SET prev_hash = (SELECT hash FROM admin_audit_logs WHERE org_id = ${orgId} AND chain_seq = e.chain_seq - 1)
       WHERE e.id = ${row.id}`;
    await database.db
      .$executeRaw`UPDATE admin_audit_logs AS e SET hash = ${adminLinkHashSql("e")} WHERE e.id = ${row.id}`;
  }
}

async function adminChanges(orgId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await database.db.$transaction((tx) =>
      recordAdminChange(tx, {
        orgId,
        actor: { type: "user", id: "usr_1", name: "ada@example.com" },
        action: "grant.delete",
        targetType: "grant",
        targetId: `grt_${i}`,
        details: { i },
      }),
    );
  }
}

const chainOf = (result: Awaited<ReturnType<typeof checkpointAuditChains>>, chain: string, orgId: string) =>
  result.chains.find((c) => c.chain === chain && c.orgId === orgId)!;

describe("keyed checkpoints of the audit chain", () => {
  it("an edited and rehashed audit event passes the unkeyed check but fails against the signed checkpoint", async () => {
    const org = await newOrg();
    await ingestAuditEvents(
      database.db,
      Array.from({ length: 5 }, (_, i) => event(org, i)),
    );
    const first = await checkpointAuditChains(database.db, { secretKey: KEY });
    expect(chainOf(first, "audit", org)).toMatchObject({ ok: true, checked: 5, headSeq: 5 });
    // The result is a BullMQ job's return value: it must survive JSON.
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);

    await editAndRehashAudit(org, 2);
    expect((await verifyAuditChain(database.db, org)).ok).toBe(true);

    const second = await checkpointAuditChains(database.db, { secretKey: KEY });
    expect(chainOf(second, "audit", org)).toMatchObject({ ok: false, newlyBroken: true });
    expect(chainOf(second, "audit", org).detail).toMatch(/position 5 no longer has the hash checkpoint/);
    const [audit] = await auditIntegrityStatus(database.db, org);
    expect(audit).toMatchObject({ chain: "audit", ok: false, lastVerified: { headSeq: 5, checked: 5 } });
    const alert = await database.db.adminAuditLog.findFirst({
      where: { orgId: org, action: "audit.chain_broken" },
    });
    expect(alert?.targetId).toBe("audit");

    // It stays broken (and is not alerted twice).
    const third = await checkpointAuditChains(database.db, { secretKey: KEY });
    expect(chainOf(third, "audit", org)).toMatchObject({ ok: false, newlyBroken: false });
    expect(
      await database.db.adminAuditLog.count({ where: { orgId: org, action: "audit.chain_broken" } }),
    ).toBe(1);
  });

  it("a forged checkpoint (head moved to the rehashed chain) fails its MAC", async () => {
    const org = await newOrg();
    await ingestAuditEvents(
      database.db,
      Array.from({ length: 3 }, (_, i) => event(org, i)),
    );
    await checkpointAuditChains(database.db, { secretKey: KEY });
    await editAndRehashAudit(org, 1);
    const head = await database.db.auditEvent.findFirst({ where: { orgId: org, chainSeq: 3n } });
    await database.db.auditCheckpoint.updateMany({
      where: { orgId: org, chain: "audit" },
      data: { headHash: head!.hash },
    });
    const result = await checkpointAuditChains(database.db, { secretKey: KEY });
    expect(chainOf(result, "audit", org)).toMatchObject({ ok: false });
    expect(chainOf(result, "audit", org).detail).toMatch(/invalid MAC/);
  });

  it("an edited row whose hashes were left alone is found by the chain check", async () => {
    const org = await newOrg();
    await ingestAuditEvents(
      database.db,
      Array.from({ length: 3 }, (_, i) => event(org, i)),
    );
    await database.db
      .$executeRaw`UPDATE audit_events SET reason = 'edited' WHERE org_id = ${org} AND chain_seq = 2`;
    const result = await checkpointAuditChains(database.db, { secretKey: KEY });
    expect(chainOf(result, "audit", org)).toMatchObject({ ok: false, newlyBroken: true });
  });
});

describe("the admin change log is chained", () => {
  it("chains every change; an edited and rehashed entry fails against the signed checkpoint", async () => {
    const org = await newOrg();
    await adminChanges(org, 4);
    const rows = await database.db.adminAuditLog.findMany({
      where: { orgId: org },
      orderBy: { chainSeq: "asc" },
    });
    expect(rows.map((r) => Number(r.chainSeq))).toEqual([1, 2, 3, 4]);
    expect(rows[1]!.prevHash).toBe(rows[0]!.hash);
    expect(await verifyAdminChain(database.db, org)).toMatchObject({ ok: true, checked: 4, headSeq: 4 });

    const first = await checkpointAuditChains(database.db, { secretKey: KEY });
    expect(chainOf(first, "admin", org)).toMatchObject({ ok: true, headSeq: 4 });

    // Unkeyed edit without rehashing: the chain itself shows it.
    await database.db
      .$executeRaw`UPDATE admin_audit_logs SET actor_name = 'mallory' WHERE org_id = ${org} AND chain_seq = 3`;
    expect(await verifyAdminChain(database.db, org)).toMatchObject({ ok: false, firstBrokenId: rows[2]!.id });
    // Rehashed: the chain verifies again, the checkpoint does not.
    await editAndRehashAdmin(org, 3);
    expect((await verifyAdminChain(database.db, org)).ok).toBe(true);
    const second = await checkpointAuditChains(database.db, { secretKey: KEY });
    expect(chainOf(second, "admin", org)).toMatchObject({ ok: false, newlyBroken: true });
    const [, admin] = await auditIntegrityStatus(database.db, org);
    expect(admin).toMatchObject({ chain: "admin", ok: false });
  });
});
