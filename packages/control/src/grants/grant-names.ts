import type { Tx } from "../db";

/** The names a grant row is shown by in plans and the admin log: its server and its team or agent. */
export async function grantNames(
  tx: Tx,
  grant: { serverId: string; teamId: string | null; agentId: string | null },
): Promise<{ server: string; subject: { type: "team" | "agent"; name: string } }> {
  const server = await tx.server.findUniqueOrThrow({ where: { id: grant.serverId }, select: { name: true } });
  const subject =
    grant.teamId !== null
      ? {
          type: "team" as const,
          name: (await tx.team.findUniqueOrThrow({ where: { id: grant.teamId } })).name,
        }
      : {
          type: "agent" as const,
          name: (await tx.agent.findUniqueOrThrow({ where: { id: grant.agentId! } })).name,
        };
  return { server: server.name, subject };
}
