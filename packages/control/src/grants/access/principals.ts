import { AppError } from "@portcullis/contracts/errors";
import type { GrantPrincipal } from "@portcullis/policy/grant-precedence";
import type { Tx } from "../../db";

/**
 * The kinds of principal grants can name. People (OAuth principals) will be one more kind:
 * add it here, in `grantAppliesTo`, and in the picker's search.
 */
export const PRINCIPAL_KINDS = ["team", "agent"] as const;
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
      view: { type: "team", id: team.id, name: team.name, team: null, status: "active" },
      principal: { type: "team", id: team.id },
    };
  }
  const agent = await db.agent.findFirst({
    where: { id: ref.id, orgId },
    select: { id: true, name: true, status: true, team: { select: { id: true, name: true } } },
  });
  if (!agent) throw new AppError("NOT_FOUND", `agent ${ref.id} does not exist`);
  return {
    view: { type: "agent", id: agent.id, name: agent.name, team: agent.team, status: agent.status },
    principal: { type: "agent", id: agent.id, teamId: agent.team.id },
  };
}

/** Every principal of the organization (teams, then agents), for the by-server view. */
export async function listPrincipals(
  db: Tx,
  orgId: string,
  search?: string,
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
  return [
    ...teams.map((t) => ({
      view: { type: "team" as const, id: t.id, name: t.name, team: null, status: "active" as const },
      principal: { type: "team" as const, id: t.id },
    })),
    ...agents.map((a) => ({
      view: { type: "agent" as const, id: a.id, name: a.name, team: a.team, status: a.status },
      principal: { type: "agent" as const, id: a.id, teamId: a.team.id },
    })),
  ];
}
