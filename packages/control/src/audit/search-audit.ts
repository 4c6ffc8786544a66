import { AppError } from "@portcullis/contracts/errors";
import type { AuditEvent, Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";

export interface AuditSearch {
  /** Restrict to one organization (the console always does; the CLI searches the installation). */
  orgId?: string;
  /** Agent name or id. */
  agent?: string;
  /** Exposed tool name (`server__tool`). */
  tool?: string;
  decision?: string;
  since?: Date;
  /** Page size, 1…500; default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface AuditPage {
  rows: AuditEvent[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/**
 * Audit events, newest first. Keyset pagination on (occurredAt, id): pages stay correct
 * while new events arrive and cost the same at any depth (index on occurred_at, id).
 */
export async function searchAudit(db: Tx, search: AuditSearch): Promise<AuditPage> {
  const limit = search.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new AppError("INVALID_INPUT", `limit must be an integer from 1 to ${MAX_LIMIT} (got ${limit})`);
  }
  const and: Prisma.AuditEventWhereInput[] = [];
  if (search.orgId !== undefined) and.push({ orgId: search.orgId });
  if (search.agent !== undefined) and.push({ OR: [{ agentName: search.agent }, { agentId: search.agent }] });
  if (search.tool !== undefined) and.push({ toolName: search.tool });
  if (search.decision !== undefined) and.push({ decision: search.decision });
  if (search.since !== undefined) and.push({ occurredAt: { gte: search.since } });
  if (search.cursor !== undefined) {
    const after = decodeCursor(search.cursor);
    and.push({ OR: [{ occurredAt: { lt: after.at } }, { occurredAt: after.at, id: { lt: after.id } }] });
  }
  const rows = await db.auditEvent.findMany({
    where: { AND: and },
    orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor: rows.length > limit && last ? encodeCursor(last.occurredAt, last.id) : null,
  };
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id]), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    const date = new Date(at);
    if (typeof id !== "string" || Number.isNaN(date.getTime())) throw new Error("bad cursor");
    return { at: date, id };
  } catch {
    throw new AppError("INVALID_INPUT", "the cursor is not one this search returned; start again without it");
  }
}
