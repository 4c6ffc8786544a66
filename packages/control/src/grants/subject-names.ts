import type { Tx } from "../db";
import { type GrantSubjectType, subjectOfRow } from "./grant-subject";

export interface NamedSubject {
  type: GrantSubjectType;
  id: string;
  name: string;
}

type SubjectRow = { teamId: string | null; agentId: string | null; userId: string | null };

/**
 * Names the subjects of many grant rows at once: the organization's teams and agents, and
 * the people the rows name (by email), each in one query, joined in memory.
 */
export async function subjectNamer(
  db: Tx,
  orgId: string,
  rows: readonly SubjectRow[],
): Promise<(row: SubjectRow) => NamedSubject> {
  const userIds = [...new Set(rows.flatMap((r) => (r.userId !== null ? [r.userId] : [])))];
  const [teams, agents, users] = await Promise.all([
    db.team.findMany({ where: { orgId }, select: { id: true, name: true } }),
    db.agent.findMany({ where: { orgId }, select: { id: true, name: true } }),
    userIds.length === 0
      ? Promise.resolve([])
      : db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } }),
  ]);
  const names = new Map<string, string>([
    ...teams.map((t) => [`team:${t.id}`, t.name] as const),
    ...agents.map((a) => [`agent:${a.id}`, a.name] as const),
    ...users.map((u) => [`user:${u.id}`, u.email] as const),
  ]);
  return (row) => {
    const ref = subjectOfRow(row);
    return { ...ref, name: names.get(`${ref.type}:${ref.id}`) ?? "" };
  };
}
