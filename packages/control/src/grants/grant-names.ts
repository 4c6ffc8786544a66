import type { Tx } from "../db";
import { type GrantSubjectType, subjectOfRow } from "./grant-subject";

/** The names a grant row is shown by in plans and the admin log: its server and its team, agent or person (email). */
export async function grantNames(
  tx: Tx,
  grant: { serverId: string; teamId: string | null; agentId: string | null; userId?: string | null },
): Promise<{ server: string; subject: { type: GrantSubjectType; name: string } }> {
  const server = await tx.server.findUniqueOrThrow({ where: { id: grant.serverId }, select: { name: true } });
  const ref = subjectOfRow(grant);
  const name =
    ref.type === "team"
      ? (await tx.team.findUniqueOrThrow({ where: { id: ref.id } })).name
      : ref.type === "agent"
        ? (await tx.agent.findUniqueOrThrow({ where: { id: ref.id } })).name
        : (await tx.user.findUniqueOrThrow({ where: { id: ref.id } })).email;
  return { server: server.name, subject: { type: ref.type, name } };
}
