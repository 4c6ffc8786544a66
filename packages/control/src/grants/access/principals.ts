import { AppError } from "@portcullis/contracts/errors";
import type { GrantPrincipal } from "@portcullis/policy/grant-precedence";
import type { Tx } from "../../db";

/** The kinds of principal grants can name: teams, agents and people (`user`, members of the organization). */
export const PRINCIPAL_KINDS = ["team", "agent", "user"] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

export interface PrincipalRef {
  type: PrincipalKind;
  id: string;
}

export interface PrincipalView {
  type: PrincipalKind;
  id: string;
  name: string;
  /** An agent's team, whose grants apply to it too. */
  team: { id: string; name: string } | null;
  /** A person's teams, whose grants apply to them too (empty for teams and agents). */
  teams: Array<{ id: string; name: string }>;
  status: "active" | "disabled";
}

/** The principal with what grant matching needs, checked to belong to the organization. */
export async function loadPrincipal(
  db: Tx,
  orgId: string,
  ref: PrincipalRef,
): Promise<{ view: PrincipalView; principal: GrantPrincipal }> {
  if (ref.type === "team") {
    const team = await db.team.findFirst({ where: { id: ref.id, orgId }, select: { id: true, name: true } });
    if (!team) throw new AppError("NOT_FOUND", `team ${ref.id} does not exist`);
    return {
      view: { type: "team", id: team.id, name: team.name, team: null, teams: [], status: "active" },
      principal: { type: "team", id: team.id },
    };
  }
  if (ref.type === "user") return loadPerson(db, orgId, ref.id);
  const agent = await db.agent.findFirst({
    where: { id: ref.id, orgId },
    select: { id: true, name: true, status: true, team: { select: { id: true, name: true } } },
  });
  if (!agent) throw new AppError("NOT_FOUND", `agent ${ref.id} does not exist`);
  return {
    view: {
      type: "agent",
      id: agent.id,
      name: agent.name,
      team: agent.team,
      teams: [],
      status: agent.status,
    },
    principal: { type: "agent", id: agent.id, teamId: agent.team.id },
  };
}

/**
 * The principals of the organization for the by-server view: teams and agents (by name),
 * then people: those holding grants of their own on `serverId`, or with a search the first
 * PEOPLE_SEARCH_LIMIT whose email or name matches. Listing all 10,000 people of a large
 * organization would bury the teams their access mostly comes from.
 */
export async function listPrincipals(
  db: Tx,
  orgId: string,
  search?: string,
  serverId?: string,
): Promise<Array<{ view: PrincipalView; principal: GrantPrincipal }>> {
  const name = search?.trim() ? { contains: search.trim(), mode: "insensitive" as const } : undefined;
  const [teams, agents] = await Promise.all([
    db.team.findMany({
      where: { orgId, ...(name && { name }) },
      select: { id: true, name: true },
      orderBy: { name: "asc" },
    }),
    db.agent.findMany({
      where: { orgId, ...(name && { name }) },
      select: { id: true, name: true, status: true, team: { select: { id: true, name: true } } },
      orderBy: { name: "asc" },
    }),
  ]);
  const people = await listPeoplePrincipals(db, orgId, search?.trim() || undefined, serverId);
  return [
    ...teams.map((t) => ({
      view: {
        type: "team" as const,
        id: t.id,
        name: t.name,
        team: null,
        teams: [],
        status: "active" as const,
      },
      principal: { type: "team" as const, id: t.id },
    })),
    ...agents.map((a) => ({
      view: { type: "agent" as const, id: a.id, name: a.name, team: a.team, teams: [], status: a.status },
      principal: { type: "agent" as const, id: a.id, teamId: a.team.id },
    })),
    ...people,
  ];
}

/** At most this many people match a by-server search. */
export const PEOPLE_SEARCH_LIMIT = 50;

async function listPeoplePrincipals(
  db: Tx,
  orgId: string,
  search: string | undefined,
  serverId: string | undefined,
): Promise<Array<{ view: PrincipalView; principal: GrantPrincipal }>> {
  const rows = search
    ? await db.membership.findMany({
        where: {
          orgId,
          user: {
            OR: [
              { email: { contains: search, mode: "insensitive" } },
              { name: { contains: search, mode: "insensitive" } },
            ],
          },
        },
        select: { userId: true },
        orderBy: { userId: "asc" },
        take: PEOPLE_SEARCH_LIMIT,
      })
    : await db.grant.findMany({
        where: { orgId, userId: { not: null }, ...(serverId !== undefined && { serverId }) },
        select: { userId: true },
        distinct: ["userId"],
      });
  const ids = rows.map((r) => r.userId!);
  if (ids.length === 0) return [];
  const people = await loadPeople(db, orgId, ids);
  return people.sort((a, b) => a.view.name.localeCompare(b.view.name));
}

/** People of the organization by id (non-members are left out), with their teams there. */
async function loadPeople(
  db: Tx,
  orgId: string,
  userIds: string[],
): Promise<Array<{ view: PrincipalView; principal: GrantPrincipal }>> {
  const [members, teamRows] = await Promise.all([
    db.membership.findMany({
      where: { orgId, userId: { in: userIds } },
      select: { user: { select: { id: true, email: true } } },
    }),
    db.teamMember.findMany({
      where: { userId: { in: userIds }, team: { orgId } },
      select: { userId: true, team: { select: { id: true, name: true } } },
      orderBy: { team: { name: "asc" } },
    }),
  ]);
  const teamsOf = new Map<string, Array<{ id: string; name: string }>>();
  for (const row of teamRows) teamsOf.set(row.userId, [...(teamsOf.get(row.userId) ?? []), row.team]);
  return members.map(({ user }) => {
    const teams = teamsOf.get(user.id) ?? [];
    return {
      view: {
        type: "user" as const,
        id: user.id,
        name: user.email,
        team: null,
        teams,
        status: "active" as const,
      },
      principal: { type: "user" as const, id: user.id, teamIds: teams.map((t) => t.id) },
    };
  });
}

/** A member of the organization as a principal: their own grants and every one of their teams'. */
async function loadPerson(
  db: Tx,
  orgId: string,
  userId: string,
): Promise<{ view: PrincipalView; principal: GrantPrincipal }> {
  const [person] = await loadPeople(db, orgId, [userId]);
  if (!person) throw new AppError("NOT_FOUND", `user ${userId} is not a member of this organization`);
  return person;
}
