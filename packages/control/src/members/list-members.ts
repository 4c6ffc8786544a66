import type { Role } from "@portcullis/auth/permissions";
import type { Tx } from "../db";

export interface MemberSummary {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: Date;
  /** Set where the list reads it (the paged list): suspended members' OAuth tokens are refused. */
  suspended?: boolean;
  teams: Array<{ id: string; name: string }>;
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: Date;
  createdAt: Date;
}

/** The organization's members (by email) with their teams in it. */
export async function listMembers(db: Tx, orgId: string): Promise<MemberSummary[]> {
  const memberships = await db.membership.findMany({
    where: { orgId },
    select: {
      role: true,
      createdAt: true,
      user: {
        select: {
          id: true,
          email: true,
          name: true,
          teamMembers: { where: { team: { orgId } }, select: { team: { select: { id: true, name: true } } } },
        },
      },
    },
    orderBy: { user: { email: "asc" } },
  });
  return memberships.map((m) => ({
    userId: m.user.id,
    email: m.user.email,
    name: m.user.name,
    role: m.role,
    joinedAt: m.createdAt,
    teams: m.user.teamMembers.map((t) => t.team).sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

/** Invitations not yet accepted nor expired, newest first. */
export async function listPendingInvitations(db: Tx, orgId: string): Promise<PendingInvitation[]> {
  return db.invitation.findMany({
    where: { orgId, acceptedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true, email: true, role: true, expiresAt: true, createdAt: true },
    orderBy: { createdAt: "desc" },
  });
}
