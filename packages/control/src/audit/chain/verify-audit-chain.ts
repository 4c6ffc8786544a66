import { AppError } from "@portcullis/contracts/errors";
import { Prisma } from "@portcullis/db/client";
import type { Tx } from "../../db";
import { eventDigestSql, linkHashSql } from "./chain-hash";

export interface AuditChainVerification {
  /** True when every checked event is intact and linked to the one before it. */
  ok: boolean;
  /** Events checked. */
  checked: number;
  /**
   * The first event (in chain order) that fails: its content no longer matches its hash
   * (an edited row), or it does not follow the event before it (a row deleted, inserted or
   * reordered before it).
   */
  firstBrokenId?: string;
  /** The last event's hash: publish or note it to detect later removal of the newest events. */
  headHash?: string;
}

/**
 * Verifies the hash chain of one organization's audit events (`orgId` null: the chain of
 * events without organization), in one SQL pass: each event's hash is recomputed from its
 * stored columns and compared, and its `prevHash` must equal the hash of the event before
 * it with no gap in `chainSeq`.
 *
 * The first remaining event's `prevHash` is taken as the anchor, on trust: retention
 * deletes the oldest events, so the chain may start anywhere. `from` (an event id) starts
 * the check at that event, anchored the same way, e.g. to re-check only what arrived
 * since a previous verification. Events stored before chaining existed (no `chainSeq`)
 * are not part of any chain.
 *
 * What a chain cannot show on its own: removal of its newest events (compare `headHash`
 * with a copy kept elsewhere) or of all of its oldest events (indistinguishable from retention).
 */
export async function verifyAuditChain(
  db: Tx,
  orgId: string | null,
  options: { from?: string } = {},
): Promise<AuditChainVerification> {
  const owner = orgId === null ? Prisma.sql`e.org_id IS NULL` : Prisma.sql`e.org_id = ${orgId}`;
  let start = Prisma.empty;
  if (options.from !== undefined) {
    const from = await db.auditEvent.findFirst({
      where: { id: options.from, orgId, chainSeq: { not: null } },
      select: { chainSeq: true },
    });
    if (!from) throw new AppError("NOT_FOUND", `audit event ${options.from} is not in this chain`);
    start = Prisma.sql`AND e.chain_seq >= ${from.chainSeq}`;
  }

  const [result] = await db.$queryRaw<
    Array<{ checked: bigint; first_broken_seq: bigint | null; head_seq: bigint | null }>
  >`
    WITH chain AS (
      SELECT e.chain_seq, e.prev_hash, e.hash,
             lag(e.hash) OVER w AS previous_hash,
             lag(e.chain_seq) OVER w AS previous_seq,
             ${linkHashSql(Prisma.sql`e.prev_hash`, eventDigestSql("e"))} AS recomputed
        FROM audit_events e
       WHERE ${owner} AND e.chain_seq IS NOT NULL ${start}
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
  const seqOf = async (chainSeq: bigint | null | undefined) =>
    chainSeq === null || chainSeq === undefined
      ? null
      : db.auditEvent.findFirst({ where: { orgId, chainSeq }, select: { id: true, hash: true } });
  const headHash = (await seqOf(result?.head_seq))?.hash ?? undefined;
  if (result?.first_broken_seq === null || result?.first_broken_seq === undefined) {
    return { ok: true, checked, ...(headHash && { headHash }) };
  }
  const broken = await seqOf(result.first_broken_seq);
  return {
    ok: false,
    checked,
    ...(broken && { firstBrokenId: broken.id }),
    ...(headHash && { headHash }),
  };
}
