import { newId } from "@portcullis/contracts/ids";
import { verifyAdminChain } from "../../admin-audit/admin-chain";
import { recordAdminChange } from "../../admin-audit/record-admin-change";
import type { Db } from "../../db";
import { verifyAuditChain } from "../chain/verify-audit-chain";
import { type CheckpointFields, checkpointMacValid, signCheckpoint } from "./checkpoint-mac";

export type ChainKind = "audit" | "admin";

/** One chain's outcome, JSON-safe (a BullMQ job result: no BigInt). */
export interface ChainCheckpointResult {
  chain: ChainKind;
  orgId: string | null;
  ok: boolean;
  checked: number;
  headSeq: number;
  firstBrokenId: string | null;
  detail: string | null;
  /** True when this run found the break (the chain was intact at the previous checkpoint). */
  newlyBroken: boolean;
}

export interface CheckpointRunResult {
  chains: ChainCheckpointResult[];
  broken: number;
}

/**
 * The worker's scheduled integrity run (`audit.checkpoint`). For every chain (each
 * organization's audit events and admin log, and the audit events without organization):
 *
 * 1. re-checks every earlier checkpoint: its HMAC, its link to the checkpoint before it, and
 *    that the row at its head still has the hash it signed. This is what an attacker who
 *    edits a row and recomputes the unkeyed hashes after it cannot get past: the signed
 *    head no longer matches, and without PORTCULLIS_SECRET_KEY no new checkpoint can be made;
 * 2. verifies the whole unkeyed chain (edited rows whose hashes were left alone);
 * 3. stores a new checkpoint of the current head, signed, with the outcome.
 *
 * A chain found broken for the first time gets an admin log entry `audit.chain_broken`
 * (the console shows a banner while the newest checkpoint says broken).
 */
export async function checkpointAuditChains(
  db: Db,
  options: { secretKey: Buffer; now?: () => Date },
): Promise<CheckpointRunResult> {
  const orgs = await db.organization.findMany({ select: { id: true }, orderBy: { id: "asc" } });
  const chains: Array<{ chain: ChainKind; orgId: string | null }> = [
    { chain: "audit", orgId: null },
    ...orgs.flatMap((o) => [
      { chain: "audit" as const, orgId: o.id },
      { chain: "admin" as const, orgId: o.id },
    ]),
  ];
  const results: ChainCheckpointResult[] = [];
  for (const target of chains) results.push(await checkpointChain(db, target.chain, target.orgId, options));
  return { chains: results, broken: results.filter((r) => !r.ok).length };
}

interface Finding {
  firstBrokenId: string | null;
  detail: string;
}

async function checkpointChain(
  db: Db,
  chain: ChainKind,
  orgId: string | null,
  options: { secretKey: Buffer; now?: () => Date },
): Promise<ChainCheckpointResult> {
  const earlier = await db.auditCheckpoint.findMany({
    where: { chain, orgId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const finding = (await checkEarlierCheckpoints(db, chain, orgId, earlier, options.secretKey)) ?? null;
  const verified =
    chain === "audit" ? await auditChainState(db, orgId) : await adminChainState(db, orgId as string);
  const problem: Finding | null =
    finding ??
    (verified.ok
      ? null
      : {
          firstBrokenId: verified.firstBrokenId ?? null,
          detail: `${chain === "audit" ? "audit event" : "admin log entry"} ${verified.firstBrokenId ?? "?"} no longer matches its hash or its place in the chain`,
        });

  const previous = earlier.at(-1) ?? null;
  const fields: CheckpointFields = {
    id: newId("auditCheckpoint"),
    chain,
    orgId,
    headSeq: BigInt(verified.headSeq),
    headHash: verified.headHash,
    checked: verified.checked,
    verifiedOk: problem === null,
    firstBrokenId: problem?.firstBrokenId ?? null,
    detail: problem?.detail ?? null,
    prevMac: previous?.mac ?? null,
    createdAt: options.now?.() ?? new Date(),
  };
  const mac = signCheckpoint(options.secretKey, fields);
  const newlyBroken = problem !== null && (previous === null || previous.verifiedOk);
  await db.$transaction(async (tx) => {
    await tx.auditCheckpoint.create({ data: { ...fields, mac } });
    if (newlyBroken && orgId !== null) {
      await recordAdminChange(tx, {
        orgId,
        actor: { type: "system", name: "audit verification" },
        action: "audit.chain_broken",
        targetType: "audit_chain",
        targetId: chain,
        details: { firstBrokenId: problem.firstBrokenId, detail: problem.detail },
      });
    }
  });
  return {
    chain,
    orgId,
    ok: problem === null,
    checked: verified.checked,
    headSeq: verified.headSeq,
    firstBrokenId: problem?.firstBrokenId ?? null,
    detail: problem?.detail ?? null,
    newlyBroken,
  };
}

async function checkEarlierCheckpoints(
  db: Db,
  chain: ChainKind,
  orgId: string | null,
  earlier: Array<CheckpointFields & { mac: string }>,
  secretKey: Buffer,
): Promise<Finding | undefined> {
  let prevMac: string | null = null;
  for (const cp of earlier) {
    if (!checkpointMacValid(secretKey, cp, cp.mac)) {
      return { firstBrokenId: null, detail: `checkpoint ${cp.id} has an invalid MAC (edited or forged)` };
    }
    if (cp.prevMac !== prevMac) {
      return { firstBrokenId: null, detail: `a checkpoint before ${cp.id} was removed or inserted` };
    }
    prevMac = cp.mac;
  }
  const seqs = [...new Set(earlier.filter((cp) => cp.headSeq > 0n).map((cp) => cp.headSeq))];
  if (seqs.length === 0) return undefined;
  const rows =
    chain === "audit"
      ? await db.auditEvent.findMany({
          where: { orgId, chainSeq: { in: seqs } },
          select: { id: true, chainSeq: true, hash: true },
        })
      : await db.adminAuditLog.findMany({
          where: { orgId: orgId as string, chainSeq: { in: seqs } },
          select: { id: true, chainSeq: true, hash: true },
        });
  const bySeq = new Map(rows.map((r) => [r.chainSeq, r]));
  const oldest = await oldestSeq(db, chain, orgId);
  for (const cp of earlier) {
    if (cp.headSeq === 0n) continue;
    const row = bySeq.get(cp.headSeq);
    if (row && row.hash !== cp.headHash) {
      return {
        firstBrokenId: row.id,
        detail: `position ${cp.headSeq} no longer has the hash checkpoint ${cp.id} signed: rows up to it were edited and rehashed`,
      };
    }
    // Retention deletes the oldest rows; a missing row at or after the oldest one was removed.
    if (!row && oldest !== null && cp.headSeq >= oldest) {
      return {
        firstBrokenId: null,
        detail: `the row at position ${cp.headSeq} (checkpoint ${cp.id}) was deleted`,
      };
    }
  }
  return undefined;
}

async function oldestSeq(db: Db, chain: ChainKind, orgId: string | null): Promise<bigint | null> {
  const row =
    chain === "audit"
      ? await db.auditEvent.findFirst({
          where: { orgId, chainSeq: { not: null } },
          orderBy: { chainSeq: "asc" },
          select: { chainSeq: true },
        })
      : await db.adminAuditLog.findFirst({
          where: { orgId: orgId as string, chainSeq: { not: null } },
          orderBy: { chainSeq: "asc" },
          select: { chainSeq: true },
        });
  return row?.chainSeq ?? null;
}

interface ChainState {
  ok: boolean;
  checked: number;
  headSeq: number;
  headHash: string | null;
  firstBrokenId?: string;
}

async function auditChainState(db: Db, orgId: string | null): Promise<ChainState> {
  const result = await verifyAuditChain(db, orgId);
  const head = await db.auditEvent.findFirst({
    where: { orgId, chainSeq: { not: null } },
    orderBy: { chainSeq: "desc" },
    select: { chainSeq: true, hash: true },
  });
  return {
    ok: result.ok,
    checked: result.checked,
    headSeq: Number(head?.chainSeq ?? 0),
    headHash: head?.hash ?? null,
    ...(result.firstBrokenId && { firstBrokenId: result.firstBrokenId }),
  };
}

async function adminChainState(db: Db, orgId: string): Promise<ChainState> {
  const result = await verifyAdminChain(db, orgId);
  return {
    ok: result.ok,
    checked: result.checked,
    headSeq: result.headSeq ?? 0,
    headHash: result.headHash ?? null,
    ...(result.firstBrokenId && { firstBrokenId: result.firstBrokenId }),
  };
}
