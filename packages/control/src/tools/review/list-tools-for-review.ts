import type { Tx } from "../../db";
import { type ReviewReason, reviewReasons } from "./review-flags";

export interface ReviewQueueItem {
  id: string;
  serverId: string;
  serverName: string;
  upstreamName: string;
  exposedName: string;
  status: "active" | "disabled" | "quarantined";
  flags: string[];
  reasons: ReviewReason[];
  definitionHash: string;
  /** Null when no definition of this tool was ever approved (markers on first sight). */
  approvedHash: string | null;
  updatedAt: Date;
}

/** The queue is a worklist, not an inventory: past this many, the oldest wait for the next page load. */
const QUEUE_LIMIT = 500;

/**
 * The organization's tools that need an admin's eyes: quarantined ones (hidden from every
 * agent until reviewed) first, then flagged ones (name collisions, markers on a tool an
 * admin disabled), most recently changed first. Tools their server no longer lists are left out.
 */
export async function listToolsForReview(
  db: Tx,
  orgId: string,
): Promise<{ items: ReviewQueueItem[]; total: number }> {
  const where = {
    orgId,
    status: { not: "removed" as const },
    OR: [{ status: "quarantined" as const }, { flags: { isEmpty: false } }],
  };
  const [rows, total] = await Promise.all([
    db.tool.findMany({
      where,
      select: {
        id: true,
        serverId: true,
        upstreamName: true,
        exposedName: true,
        status: true,
        flags: true,
        definitionHash: true,
        approvedHash: true,
        updatedAt: true,
        server: { select: { name: true } },
      },
      orderBy: [{ updatedAt: "desc" }, { id: "asc" }],
      take: QUEUE_LIMIT,
    }),
    db.tool.count({ where }),
  ]);
  const items = rows.map(({ server, ...row }) => ({
    ...row,
    status: row.status as ReviewQueueItem["status"],
    serverName: server.name,
    reasons: reviewReasons(row.flags),
  }));
  // Stable: quarantined first, each group still newest first.
  items.sort((a, b) => Number(b.status === "quarantined") - Number(a.status === "quarantined"));
  return { items, total };
}
