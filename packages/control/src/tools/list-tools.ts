import { AppError } from "@portcullis/contracts/errors";
import type { RiskClass } from "@portcullis/contracts/snapshot";
import type { Prisma } from "@portcullis/db/client";
import { effectiveRisk } from "@portcullis/policy/risk";
import type { Tx } from "../db";

export type ToolStatus = "active" | "disabled" | "quarantined" | "removed";

export interface ToolSummary {
  id: string;
  serverId: string;
  serverName: string;
  upstreamName: string;
  exposedName: string;
  title: string | null;
  description: string | null;
  /** The risk the gateway applies: the admin's override, else the one derived from annotations. */
  riskClass: RiskClass;
  derivedRisk: RiskClass;
  riskOverride: RiskClass | null;
  status: ToolStatus;
  flags: string[];
  annotations: Record<string, unknown> | null;
  /** SHA-256 of the current definition: what a config file's `approvedDefinition` names. */
  definitionHash: string;
  updatedAt: Date;
}

export interface ToolSearch {
  orgId: string;
  serverId?: string;
  /** Matches the exposed name, title or description (case-insensitive). */
  search?: string;
  status?: ToolStatus;
  cursor?: string;
  /** 1…200, default 50. */
  limit?: number;
}

/**
 * A page of the organization's tools ordered by exposed name. Keyset pagination on
 * (exposedName, id): every page costs the same however deep, at 1,000 tools or 100,000.
 * Input schemas are left out (they can be large); `getTool` has them.
 */
export async function listTools(
  db: Tx,
  search: ToolSearch,
): Promise<{ items: ToolSummary[]; nextCursor: string | null; total: number }> {
  const limit = search.limit ?? 50;
  const and: Prisma.ToolWhereInput[] = [{ orgId: search.orgId }];
  if (search.serverId !== undefined) and.push({ serverId: search.serverId });
  if (search.status !== undefined) and.push({ status: search.status });
  const text = search.search?.trim();
  if (text) {
    and.push({
      OR: [
        { exposedName: { contains: text, mode: "insensitive" } },
        { title: { contains: text, mode: "insensitive" } },
        { description: { contains: text, mode: "insensitive" } },
      ],
    });
  }
  const filter: Prisma.ToolWhereInput = { AND: [...and] };
  if (search.cursor !== undefined) {
    const after = decodeCursor(search.cursor);
    and.push({
      OR: [{ exposedName: { gt: after.name } }, { exposedName: after.name, id: { gt: after.id } }],
    });
  }
  const [rows, total, servers] = await Promise.all([
    db.tool.findMany({
      where: { AND: and },
      select: {
        id: true,
        serverId: true,
        upstreamName: true,
        exposedName: true,
        title: true,
        description: true,
        riskClass: true,
        riskOverride: true,
        status: true,
        flags: true,
        annotations: true,
        definitionHash: true,
        updatedAt: true,
      },
      orderBy: [{ exposedName: "asc" }, { id: "asc" }],
      take: limit + 1,
    }),
    db.tool.count({ where: filter }),
    db.server.findMany({ where: { orgId: search.orgId }, select: { id: true, name: true } }),
  ]);
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((t) => ({
      ...t,
      serverName: serverName.get(t.serverId) ?? "",
      riskClass: effectiveRisk(t.riskClass, t.riskOverride),
      derivedRisk: t.riskClass,
      annotations: (t.annotations ?? null) as Record<string, unknown> | null,
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.exposedName, last.id) : null,
    total,
  };
}

function encodeCursor(name: string, id: string): string {
  return Buffer.from(JSON.stringify([name, id]), "utf8").toString("base64url");
}

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof name !== "string" || typeof id !== "string") throw new Error("bad cursor");
    return { name, id };
  } catch {
    throw new AppError("INVALID_INPUT", "the cursor is not one this list returned; start again without it");
  }
}
