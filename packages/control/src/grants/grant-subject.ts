import { findOrgAgent } from "../agents/find-org-agent";
import type { Tx } from "../db";
import { findMembership } from "../members/find-membership";
import { findTeam } from "../teams/find-team";

/** Who a grant names: a team, an agent or a person (`user`, shown and written by email). */
export type GrantSubjectType = "team" | "agent" | "user";
export const GRANT_SUBJECT_TYPES = ["team", "agent", "user"] as const;

export interface GrantSubjectRef {
  type: GrantSubjectType;
  id: string;
}

/** The subject columns of a grant row (exactly one is set, as the table's check requires). */
export interface GrantSubjectColumns {
  teamId: string | null;
  agentId: string | null;
  userId: string | null;
}

/**
 * The team, agent or member a grant is for, checked to belong to the organization (a
 * person who is not a member is reported as missing). A person's name is their email.
 */
export async function findGrantSubject(
  tx: Tx,
  orgId: string,
  subject: GrantSubjectRef,
): Promise<GrantSubjectRef & { name: string }> {
  switch (subject.type) {
    case "team":
      return { type: "team", id: subject.id, name: (await findTeam(tx, orgId, subject.id)).name };
    case "agent":
      return { type: "agent", id: subject.id, name: (await findOrgAgent(tx, orgId, subject.id)).name };
    case "user":
      return { type: "user", id: subject.id, name: (await findMembership(tx, orgId, subject.id)).email };
  }
}

/** The columns that store a subject, for creating a row or finding the subject's rows. */
export function subjectColumns(subject: GrantSubjectRef): GrantSubjectColumns {
  return {
    teamId: subject.type === "team" ? subject.id : null,
    agentId: subject.type === "agent" ? subject.id : null,
    userId: subject.type === "user" ? subject.id : null,
  };
}

/** The subject a grant row names, read back from its columns. */
export function subjectOfRow(row: {
  teamId: string | null;
  agentId: string | null;
  userId?: string | null;
}): GrantSubjectRef {
  if (row.teamId !== null) return { type: "team", id: row.teamId };
  if (row.agentId !== null) return { type: "agent", id: row.agentId };
  return { type: "user", id: row.userId! };
}
