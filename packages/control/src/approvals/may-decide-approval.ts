import { can, type Role } from "@portcullis/auth/permissions";
import type { Prisma } from "@portcullis/db/client";
import type { Tx } from "../db";

/** Why someone may not decide a request (null in the API when they may). */
export type DecideRefusal = "role" | "own_request" | "not_team_approver" | "no_team";

export type DecideRight =
  | { allowed: true }
  | { allowed: false; reason: DecideRefusal /** As the API and the CLI report it. */; message: string };

/**
 * Who may decide an approval request — the one place this rule lives (the decision, the
 * queue's `canDecide` flags and the console's explanations all ask it):
 *
 * - owners and admins administer every team's tools (`tools.write`), so they may decide any
 *   request of their organization;
 * - an `approver` (`approvals.decide` without `tools.write`) may decide only the requests of
 *   a team they are a member of (`ApprovalRequest.teamIds`: the requesting agent's team, or
 *   each team of the requesting person that grants them the tool, or for a call an approval
 *   policy holds, each of their teams the policy's scope names — any one suffices); a
 *   request with no team (its team deleted since, or a tool only the person's own grant
 *   gives) is left to owners and admins;
 * - everyone else, never; and nobody decides a request made on their own behalf.
 *
 * Whether the request is still pending (first decision wins) is checked where it is decided.
 * @param teamIds the teams the person is a member of, in the request's organization.
 */
export function mayDecideApproval(
  member: { userId: string; role: Role },
  teamIds: ReadonlySet<string>,
  request: { teams: ReadonlyArray<{ id: string; name: string }>; requesterId: string | null },
): DecideRight {
  if (!can(member.role, "approvals.decide")) {
    return {
      allowed: false,
      reason: "role",
      message: "not allowed: deciding approvals needs the 'approvals.decide' permission",
    };
  }
  if (request.requesterId === member.userId) {
    return {
      allowed: false,
      reason: "own_request",
      message: "not allowed: you cannot decide a request made on your own behalf",
    };
  }
  if (can(member.role, "tools.write")) return { allowed: true };
  if (request.teams.length === 0) {
    return {
      allowed: false,
      reason: "no_team",
      message: "not allowed: this request belongs to no team, so only an owner or admin can decide it",
    };
  }
  if (!request.teams.some((t) => teamIds.has(t.id))) {
    const names = request.teams.map((t) => `'${t.name}'`).join(" or ");
    return {
      allowed: false,
      reason: "not_team_approver",
      message: `not allowed: you are not an approver of team ${names}: only its members with the approver role, owners and admins can decide its requests`,
    };
  }
  return { allowed: true };
}

/** The teams a person is a member of in one organization, for `mayDecideApproval`. */
export async function memberTeamIds(db: Tx, orgId: string, userId: string): Promise<Set<string>> {
  const rows = await db.teamMember.findMany({
    where: { userId, team: { orgId } },
    select: { teamId: true },
  });
  return new Set(rows.map((r) => r.teamId));
}

/**
 * `mayDecideApproval` as a filter on approval requests (the queue's "requests I can
 * decide"): the same rule, so the filter and the per-request flags cannot disagree.
 */
export function decidableWhere(
  member: { userId: string; role: Role },
  teamIds: ReadonlySet<string>,
): Prisma.ApprovalRequestWhereInput {
  if (!can(member.role, "approvals.decide")) return { id: { in: [] } };
  // `NOT onBehalfOf = me` alone would drop the rows nobody is named on (SQL NULL).
  const notOwn: Prisma.ApprovalRequestWhereInput = {
    OR: [{ onBehalfOf: null }, { onBehalfOf: { not: member.userId } }],
  };
  if (can(member.role, "tools.write")) return notOwn;
  const mine = [...teamIds];
  // Older rows name their team in `teamId` only.
  return { AND: [notOwn, { OR: [{ teamId: { in: mine } }, { teamIds: { hasSome: mine } }] }] };
}
