import type { Tx } from "../db";

export interface SnapshotHistoryEntry {
  version: number;
  createdAt: Date;
  /** Who published it; null when the version holds no change of this organization. */
  createdBy: string | null;
  summary: string | null;
  /** This organization's admin changes the version was the first to include. */
  changeCount: number;
  changes: Array<{
    id: string;
    action: string;
    targetType: string;
    actorName: string | null;
    name: string | null;
  }>;
}

const CHANGES_SHOWN = 5;

/**
 * Config snapshot versions, newest first, each with the organization's admin changes it
 * was the first to carry (those logged after the previous version was published).
 *
 * A snapshot covers the whole installation, so in an installation with several
 * organizations a version published for another organization's change shows no author
 * or summary here: who changed what elsewhere is not this organization's business.
 */
export async function listSnapshots(
  db: Tx,
  input: { orgId: string; cursor?: number; limit?: number },
): Promise<{ items: SnapshotHistoryEntry[]; nextCursor: number | null }> {
  const limit = input.limit ?? 20;
  // One row past the page gives the previous version's time, the lower bound of the last window.
  const rows = await db.configSnapshot.findMany({
    where: input.cursor === undefined ? {} : { version: { lt: input.cursor } },
    select: { version: true, createdAt: true, createdBy: true, summary: true },
    orderBy: { version: "desc" },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const items = await Promise.all(
    page.map(async (row, i): Promise<SnapshotHistoryEntry> => {
      const previous = rows[i + 1];
      const window = {
        orgId: input.orgId,
        createdAt: { lte: row.createdAt, ...(previous && { gt: previous.createdAt }) },
      };
      const [changeCount, changes] = await Promise.all([
        db.adminAuditLog.count({ where: window }),
        db.adminAuditLog.findMany({
          where: window,
          select: { id: true, action: true, targetType: true, actorName: true, details: true },
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: CHANGES_SHOWN,
        }),
      ]);
      const ours = changeCount > 0;
      return {
        version: row.version,
        createdAt: row.createdAt,
        createdBy: ours ? row.createdBy : null,
        summary: ours ? row.summary : null,
        changeCount,
        changes: changes.map(({ details, ...c }) => ({ ...c, name: nameOf(details) })),
      };
    }),
  );
  return { items, nextCursor: rows.length > limit ? (page.at(-1)?.version ?? null) : null };
}

function nameOf(details: unknown): string | null {
  if (details === null || typeof details !== "object") return null;
  const d = details as Record<string, unknown>;
  const name = d.name ?? d.email;
  return typeof name === "string" ? name : null;
}
