import type { Tx } from "../db";

/** Each team of the organization with the host of its approval webhook (null: none). */
export async function listTeamWebhooks(
  db: Tx,
  orgId: string,
): Promise<Array<{ teamId: string; teamName: string; webhookHost: string | null }>> {
  const teams = await db.team.findMany({
    where: { orgId },
    select: { id: true, name: true, webhookUrl: true },
    orderBy: { name: "asc" },
  });
  return teams.map((t) => ({ teamId: t.id, teamName: t.name, webhookHost: hostOf(t.webhookUrl) }));
}

function hostOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}
