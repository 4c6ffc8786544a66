import type { Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";
import { type Page, type PageRequest, pageWindow, searchText } from "../lists/page";
import { countTools, type ServerSummary } from "./list-servers";
import { toContractTransport } from "./transport";

export const SERVER_SORTS = ["name", "status", "health", "lastSyncAt", "createdAt"] as const;
export type ServerSort = (typeof SERVER_SORTS)[number];

export interface ServerPageRequest extends PageRequest<ServerSort> {
  orgId: string;
  status?: "active" | "disabled";
  health?: "unknown" | "healthy" | "unhealthy";
}

/**
 * A page of the organization's servers, searched by name, description, URL or command.
 * Tool counts are grouped for the page's servers only.
 */
export async function pageServers(db: Tx, request: ServerPageRequest): Promise<Page<ServerSummary>> {
  const and: Prisma.ServerWhereInput[] = [{ orgId: request.orgId }];
  if (request.status !== undefined) and.push({ status: request.status });
  if (request.health !== undefined) and.push({ health: request.health });
  const text = searchText(request);
  if (text !== undefined) {
    and.push({
      OR: [
        { name: { contains: text, mode: "insensitive" } },
        { description: { contains: text, mode: "insensitive" } },
        { url: { contains: text, mode: "insensitive" } },
        { command: { contains: text, mode: "insensitive" } },
      ],
    });
  }
  const where = { AND: and };
  const order = request.order ?? "asc";
  const sort = request.sort ?? "name";
  const [rows, total] = await Promise.all([
    db.server.findMany({
      where,
      select: {
        id: true,
        name: true,
        description: true,
        transport: true,
        url: true,
        command: true,
        status: true,
        health: true,
        lastSyncAt: true,
        lastError: true,
        secrets: true,
      },
      // The name breaks ties, so equal keys keep one order across pages.
      orderBy: serverOrder(sort, order),
      ...pageWindow(request),
    }),
    db.server.count({ where }),
  ]);
  const counts = await countTools(
    db,
    request.orgId,
    rows.map((r) => r.id),
  );
  return {
    items: rows.map(({ secrets, transport, ...s }) => ({
      ...s,
      transport: toContractTransport(transport),
      toolCount: counts.get(s.id) ?? 0,
      hasSecrets: secrets !== null,
    })),
    total,
  };
}

function serverOrder(sort: ServerSort, order: "asc" | "desc"): Prisma.ServerOrderByWithRelationInput[] {
  switch (sort) {
    case "name":
      return [{ name: order }];
    case "lastSyncAt":
      // Never-synced servers last, whichever the direction.
      return [{ lastSyncAt: { sort: order, nulls: "last" } }, { name: "asc" }];
    default:
      return [{ [sort]: order }, { name: "asc" }];
  }
}
