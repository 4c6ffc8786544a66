import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";

/**
 * Sets (or clears, with null) the team's approval webhook: a Slack-compatible incoming
 * webhook URL the worker posts new requests and decisions to. Not part of the gateway
 * snapshot, so nothing is published. The audit row names the host only (the path of a
 * Slack webhook URL is its secret).
 */
export async function setTeamWebhook(
  db: Db,
  input: { orgId: string; teamId: string; url: string | null; actor: Actor },
): Promise<{ teamId: string; webhookHost: string | null }> {
  let host: string | null = null;
  if (input.url !== null) {
    let parsed: URL;
    try {
      parsed = new URL(input.url);
    } catch {
      throw new AppError("INVALID_INPUT", "the webhook must be an http(s) URL", {
        details: { field: "url" },
      });
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      throw new AppError("INVALID_INPUT", "the webhook must be an http(s) URL", {
        details: { field: "url" },
      });
    }
    host = parsed.host;
  }
  return db.$transaction(async (tx) => {
    const team = await tx.team.findFirst({
      where: { id: input.teamId, orgId: input.orgId },
      select: { id: true, name: true },
    });
    if (!team) throw new AppError("NOT_FOUND", `team ${input.teamId} does not exist`);
    await tx.team.update({ where: { id: team.id }, data: { webhookUrl: input.url } });
    await recordAdminChange(tx, {
      orgId: input.orgId,
      actor: input.actor,
      action: input.url === null ? "team.webhook_clear" : "team.webhook_set",
      targetType: "team",
      targetId: team.id,
      details: { team: team.name, webhookHost: host },
    });
    return { teamId: team.id, webhookHost: host };
  });
}
