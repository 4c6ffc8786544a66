import type { Tx } from "../db";
import { TEAM_WEBHOOK_COLUMNS, teamWebhookHost } from "./team-webhook";

/**
 * Each team of the organization with the host of its approval webhook (null: none). The
 * rest of the URL is a credential and never leaves the control plane.
 */
export async function listTeamWebhooks(
  db: Tx,
  orgId: string,
): Promise<Array<{ teamId: string; teamName: string; webhookHost: string | null }>> {
  const teams = await db.team.findMany({
    where: { orgId },
    select: { id: true, name: true, ...TEAM_WEBHOOK_COLUMNS },
    orderBy: { name: "asc" },
  });
  return teams.map((t) => ({ teamId: t.id, teamName: t.name, webhookHost: teamWebhookHost(t) }));
}
