import type { Prisma } from "@portcullis/db/client";
import type { Tx } from "../../db";
import { pageWindow, searchText } from "../../lists/page";
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
  /** Null when no definition of this tool was ever approved (markers on first sight, or a new tool). */
  approvedHash: string | null;
  updatedAt: Date;
}

/** The queue is a worklist, not an inventory: without a page size, the oldest past this many wait. */
const QUEUE_LIMIT = 500;

export interface ReviewQueuePage {
  /** Case-insensitive substring of the exposed name. */
  search?: string;
  serverId?: string;
  offset?: number;
  limit?: number;
}

/**
 * The organization's tools that need an admin's eyes: quarantined ones (changed or new
 * definitions, injection markers; hidden from every agent until reviewed) first, then flagged ones (name collisions, markers on a tool an
 * admin disabled), most recently changed first. Tools their server no longer lists are left out.
 */
export async function listToolsForReview(
  db: Tx,
  orgId: string,
  page?: ReviewQueuePage,
): Promise<{ items: ReviewQueueItem[]; total: number }> {
  const and: Prisma.ToolWhereInput[] = [
    { orgId, status: { not: "removed" } },
    { OR: [{ status: "quarantined" }, { flags: { isEmpty: false } }] },
  ];
  if (page?.serverId !== undefined) and.push({ serverId: page.serverId });
  const text = page && searchText(page);
  if (text !== undefined) and.push({ exposedName: { contains: text, mode: "insensitive" } });
  const where = { AND: and };
  const paged = page?.limit !== undefined || page?.offset !== undefined;
  const window = paged ? pageWindow(page) : { take: QUEUE_LIMIT };
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
      // Postgres orders an enum by declaration (active, disabled, quarantined): descending
      // puts quarantined tools first, so the order holds across pages.
      orderBy: [{ status: "desc" }, { updatedAt: "desc" }, { id: "asc" }],
      ...window,
    }),
    db.tool.count({ where }),
  ]);
  const items = rows.map(({ server, ...row }) => ({
    ...row,
    status: row.status as ReviewQueueItem["status"],
    serverName: server.name,
    reasons: reviewReasons(row.flags),
  }));
  return { items, total };
}
