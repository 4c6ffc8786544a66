import { Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";

/*
 * The admin change log is a hash chain per organization, built like the audit events' chain
 * (control/audit/chain): `hash = sha256(prevHash + digest)`, the digest taken by Postgres
 * from the stored columns, so verification recomputes it from exactly what is stored.
 * A chain is unkeyed: whoever can write the table can recompute it; the worker's HMAC
 * checkpoints (control/audit/checkpoints) make an edit show anyway.
 */

type ColumnKind = "text" | "integer" | "timestamp" | "json";

/** The columns a row's digest covers, in a fixed order (changing it breaks stored chains). */
const DIGEST_COLUMNS: ReadonlyArray<readonly [string, ColumnKind]> = [
  ["id", "text"],
  ["org_id", "text"],
  ["chain_seq", "integer"],
  ["actor_type", "text"],
  ["actor_id", "text"],
  ["actor_name", "text"],
  ["action", "text"],
  ["target_type", "text"],
  ["target_id", "text"],
  ["details", "json"],
  ["snapshot_version", "integer"],
  ["created_at", "timestamp"],
];

function encodeColumn(alias: string, column: string, kind: ColumnKind): string {
  const c = `${alias}."${column}"`;
  switch (kind) {
    case "text":
      return `coalesce(length(${c}) || ':' || ${c}, '~')`;
    case "integer":
    case "json":
      return `coalesce(${c}::text, '~')`;
    case "timestamp":
      return `coalesce(to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.MS'), '~')`;
  }
}

/** SQL for the link hash of the admin_audit_logs row `alias` (chain version 1). */
export function adminLinkHashSql(alias: string): Prisma.Sql {
  const fields = DIGEST_COLUMNS.map(([column, kind]) => encodeColumn(alias, column, kind)).join(", ");
  const digest = `encode(sha256(convert_to(concat_ws('|', 'admin-v1', ${fields}), 'UTF8')), 'hex')`;
  return Prisma.raw(
    `encode(sha256(convert_to(coalesce(${alias}."prev_hash", '') || ${digest}, 'UTF8')), 'hex')`,
  );
}

/**
 * Gives the just-inserted row `id` its place in its organization's chain: the next
 * `chain_seq`, the previous row's hash, and its own hash computed from the stored columns.
 * Appends to one organization's chain are serialized by a transaction-scoped advisory lock.
 */
export async function chainAdminRow(tx: Tx, orgId: string, id: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`portcullis.admin_chain:${orgId}`}, 0))`;
  await tx.$executeRaw`
    UPDATE admin_audit_logs AS e
       SET chain_seq = coalesce(tail.seq, 0) + 1, prev_hash = tail.hash
      FROM (SELECT max(chain_seq) AS seq FROM admin_audit_logs WHERE org_id = ${orgId}) AS last
      LEFT JOIN LATERAL (
        SELECT chain_seq AS seq, hash FROM admin_audit_logs
         WHERE org_id = ${orgId} AND chain_seq = last.seq
      ) AS tail ON true
     WHERE e.id = ${id}`;
  await tx.$executeRaw`UPDATE admin_audit_logs AS e SET hash = ${adminLinkHashSql("e")} WHERE e.id = ${id}`;
}

export interface AdminChainVerification {
  ok: boolean;
  checked: number;
  firstBrokenId?: string;
  headSeq?: number;
  headHash?: string;
}

/**
 * Verifies one organization's admin chain in one SQL pass: every row's hash recomputed
 * from its columns, each `prev_hash` equal to the previous row's hash, no gap in
 * `chain_seq`. The first remaining row's `prev_hash` is taken on trust.
 */
export async function verifyAdminChain(db: Tx, orgId: string): Promise<AdminChainVerification> {
  const [result] = await db.$queryRaw<
    Array<{ checked: bigint; first_broken_seq: bigint | null; head_seq: bigint | null }>
  >`
    WITH chain AS (
      SELECT e.chain_seq, e.prev_hash, e.hash,
             lag(e.hash) OVER w AS previous_hash,
             lag(e.chain_seq) OVER w AS previous_seq,
             ${adminLinkHashSql("e")} AS recomputed
        FROM admin_audit_logs e
       WHERE e.org_id = ${orgId} AND e.chain_seq IS NOT NULL
      WINDOW w AS (ORDER BY e.chain_seq)
    )
    SELECT count(*) AS checked,
           min(chain_seq) FILTER (
             WHERE hash IS DISTINCT FROM recomputed
                OR (previous_seq IS NOT NULL
                    AND (chain_seq <> previous_seq + 1 OR prev_hash IS DISTINCT FROM previous_hash))
           ) AS first_broken_seq,
           max(chain_seq) AS head_seq
      FROM chain`;
  const checked = Number(result?.checked ?? 0);
  const row = (seq: bigint | null | undefined) =>
    seq === null || seq === undefined
      ? null
      : db.adminAuditLog.findFirst({ where: { orgId, chainSeq: seq }, select: { id: true, hash: true } });
  const head = await row(result?.head_seq);
  const headFields = {
    ...(result?.head_seq != null && { headSeq: Number(result.head_seq) }),
    ...(head?.hash && { headHash: head.hash }),
  };
  if (result?.first_broken_seq == null) return { ok: true, checked, ...headFields };
  const broken = await row(result.first_broken_seq);
  return { ok: false, checked, ...(broken && { firstBrokenId: broken.id }), ...headFields };
}
