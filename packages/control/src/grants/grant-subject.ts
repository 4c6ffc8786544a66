import { findOrgAgent } from "../agents/find-org-agent";
import type { Tx } from "../db";
import { findTeam } from "../teams/find-team";

export interface GrantSubjectRef {
  type: "team" | "agent";
  id: string;
}

/** The team or agent a grant is for, checked to belong to the organization. */
export async function findGrantSubject(
  tx: Tx,
  orgId: string,
  subject: GrantSubjectRef,
): Promise<GrantSubjectRef & { name: string }> {
  const row =
    subject.type === "team"
      ? await findTeam(tx, orgId, subject.id)
      : await findOrgAgent(tx, orgId, subject.id);
  return { type: subject.type, id: row.id, name: row.name };
}
