import type { Role } from "@portcullis/auth/permissions";
import type { Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";
import { type Page, type PageRequest, pageWindow, searchText } from "../lists/page";
import type { MemberSummary } from "./list-members";

export const MEMBER_SORTS = ["email", "name", "role", "joinedAt"] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];

export interface MemberPageRequest extends PageRequest<MemberSort> {
  orgId: string;
  role?: Role;
  teamId?: string;
}

/** A page of the organization's members, searched by email or name, with their teams in it. */
export async function pageMembers(db: Tx, request: MemberPageRequest): Promise<Page<MemberSummary>> {
  const { orgId } = request;
  const and: Prisma.MembershipWhereInput[] = [{ orgId }];
  if (request.role !== undefined) and.push({ role: request.role });
  if (request.teamId !== undefined) {
    and.push({ user: { teamMembers: { some: { teamId: request.teamId, team: { orgId } } } } });
  }
  const text = searchText(request);
  if (text !== undefined) {
    and.push({
      user: {
        OR: [
          { email: { contains: text, mode: "insensitive" } },
          { name: { contains: text, mode: "insensitive" } },
        ],
      },
    });
  }
  const where = { AND: and };
  const order = request.order ?? "asc";
  const sort = request.sort ?? "email";
  const byEmail: Prisma.MembershipOrderByWithRelationInput = { user: { email: "asc" } };
  const orderBy: Prisma.MembershipOrderByWithRelationInput[] =
    sort === "email"
      ? [{ user: { email: order } }]
      : sort === "name"
        ? [{ user: { name: { sort: order, nulls: "last" } } }, byEmail]
        : [sort === "role" ? { role: order } : { createdAt: order }, byEmail];
  const [rows, total] = await Promise.all([
    db.membership.findMany({
      where,
      select: {
        role: true,
        createdAt: true,
        suspendedAt: true,
        user: {
          select: {
            id: true,
            email: true,
            name: true,
            teamMembers: {
              where: { team: { orgId } },
              select: { team: { select: { id: true, name: true } } },
            },
          },
        },
      },
      orderBy,
      ...pageWindow(request),
    }),
    db.membership.count({ where }),
  ]);
  return {
    items: rows.map((m) => ({
      userId: m.user.id,
      email: m.user.email,
      name: m.user.name,
      role: m.role,
      joinedAt: m.createdAt,
      suspended: m.suspendedAt !== null,
      teams: m.user.teamMembers.map((t) => t.team).sort((a, b) => a.name.localeCompare(b.name)),
    })),
    total,
  };
}
