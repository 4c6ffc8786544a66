import type { Tx } from "../../db";

export interface ChainIntegrity {
  chain: "audit" | "admin";
  /** The newest checkpoint, whatever it found. */
  checkedAt: Date | null;
  ok: boolean | null;
  detail: string | null;
  firstBrokenId: string | null;
  /** The newest checkpoint that found the chain intact: what the console calls "last verified". */
  lastVerified: { at: Date; headSeq: number; checked: number } | null;
}

/** The worker's latest verdict on an organization's two chains, for the console's banner. */
export async function auditIntegrityStatus(db: Tx, orgId: string): Promise<ChainIntegrity[]> {
  const chains = ["audit", "admin"] as const;
  return Promise.all(
    chains.map(async (chain) => {
      const [newest, verified] = await Promise.all([
        db.auditCheckpoint.findFirst({
          where: { chain, orgId },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        }),
        db.auditCheckpoint.findFirst({
          where: { chain, orgId, verifiedOk: true },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        }),
      ]);
      return {
        chain,
        checkedAt: newest?.createdAt ?? null,
        ok: newest?.verifiedOk ?? null,
        detail: newest?.detail ?? null,
        firstBrokenId: newest?.firstBrokenId ?? null,
        lastVerified: verified
          ? { at: verified.createdAt, headSeq: Number(verified.headSeq), checked: verified.checked }
          : null,
      };
    }),
  );
}
