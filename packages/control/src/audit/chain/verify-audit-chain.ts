import { AppError } from "@portcullis/contracts/errors";
import { Prisma } from "@portcullis/db/client";
import type { Tx } from "../../db";
import { eventDigestSql, linkHashSql } from "./chain-hash";

export interface AuditChainVerification {
  /** True when every checked event is intact and linked to the one before it. */
  ok: boolean;
  /** Events checked. */
  checked: number;
  /** Whether the check covered the whole chain (false when `from` or `last` left older events out). */
  complete: boolean;
  /**
   * The first event (in chain order) that fails: its content no longer matches its hash
   * (an edited row), or it does not follow the event before it (a row deleted, inserted or
   * reordered before it).
   */
  firstBrokenId?: string;
  /** The last event's hash: publish or note it to detect later removal of the newest events. */
  headHash?: string;
}

export interface VerifyAuditChainOptions {
  /** Start at this event (by id), taking its `prevHash` on trust. */
  from?: string;
  /** Check only the newest `last` events (the console's quick check; a full pass reads every row). */
  last?: number;
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
 * since a previous verification; `last` checks only the newest events, anchored on the
 * first of them. Events stored before chaining existed (no `chainSeq`) are not part of
 * any chain.
 *
 * What a chain cannot show on its own: removal of its newest events (compare `headHash`
 * with a copy kept elsewhere) or of all of its oldest events (indistinguishable from retention).
 */
export async function verifyAuditChain(
  db: Tx,
  orgId: string | null,
  options: VerifyAuditChainOptions = {},
): Promise<AuditChainVerification> {
  const owner = orgId === null ? Prisma.sql`e.org_id IS NULL` : Prisma.sql`e.org_id = ${orgId}`;
  // Where the check starts: the chain's first remaining event, or later with `last`/`from`.
  const end = (order: "asc" | "desc") =>
    db.auditEvent.findFirst({
      where: { orgId, chainSeq: { not: null } },
      orderBy: { chainSeq: order },
      select: { chainSeq: true },
    });
  const first = (await end("asc"))?.chainSeq ?? null;
  let startSeq = first;
  if (options.last !== undefined) {
    if (!Number.isInteger(options.last) || options.last < 1) {
      throw new AppError("INVALID_INPUT", `last must be a positive integer (got ${options.last})`);
    }
    const head = (await end("desc"))?.chainSeq ?? null;
    if (head !== null && startSeq !== null && head - BigInt(options.last) + 1n > startSeq) {
      startSeq = head - BigInt(options.last) + 1n;
    }
  }
  if (options.from !== undefined) {
    const from = await db.auditEvent.findFirst({
      where: { id: options.from, orgId, chainSeq: { not: null } },
      select: { chainSeq: true },
    });
    if (!from?.chainSeq) throw new AppError("NOT_FOUND", `audit event ${options.from} is not in this chain`);
    if (startSeq === null || from.chainSeq > startSeq) startSeq = from.chainSeq;
  }
  const start = startSeq === null ? Prisma.empty : Prisma.sql`AND e.chain_seq >= ${startSeq}`;
  const complete = startSeq === first;

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
    return { ok: true, checked, complete, ...(headHash && { headHash }) };
  }
  const broken = await seqOf(result.first_broken_seq);
  return {
    ok: false,
    checked,
    complete,
    ...(broken && { firstBrokenId: broken.id }),
    ...(headHash && { headHash }),
  };
}
