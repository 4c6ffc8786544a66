import { sealText } from "@portcullis/auth/secrets";
import { AppError } from "@portcullis/contracts/errors";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db, Tx } from "../db";

export interface SetTeamWebhookInput {
  orgId: string;
  teamId: string;
  /** The webhook URL; null clears it. */
  url: string | null;
  actor: Actor;
  /** Seals the URL (PORTCULLIS_SECRET_KEY through secretKeyFrom). */
  secretKey: Buffer;
  /** Recorded in the audit row when not the console (`portcullis apply`). */
  source?: "apply";
}

/**
 * Sets (or clears, with null) the team's approval webhook: a Slack-compatible incoming
 * webhook URL the worker posts new requests and decisions to. Not part of the gateway
 * snapshot, so nothing is published. The URL is a credential (the path of a Slack webhook
 * URL is its secret): it is stored sealed, and only its host is stored in the clear, shown
 * and audited.
 */
export async function setTeamWebhook(
  db: Db,
  input: SetTeamWebhookInput,
): Promise<{ teamId: string; webhookHost: string | null }> {
  const host = input.url === null ? null : webhookHostOf(input.url);
  return db.$transaction((tx) => setTeamWebhookInTx(tx, input, host));
}

/** setTeamWebhook inside the caller's transaction (`portcullis apply` sets it with the rest of its file). */
export async function setTeamWebhookInTx(
  tx: Tx,
  input: SetTeamWebhookInput,
  host: string | null = input.url === null ? null : webhookHostOf(input.url),
): Promise<{ teamId: string; webhookHost: string | null }> {
  const team = await tx.team.findFirst({
    where: { id: input.teamId, orgId: input.orgId },
    select: { id: true, name: true },
  });
  if (!team) throw new AppError("NOT_FOUND", `team ${input.teamId} does not exist`);
  await tx.team.update({
    where: { id: team.id },
    data: {
      webhookSecret: input.url === null ? null : sealText(input.url, input.secretKey),
      webhookHost: host,
      // The plaintext column of older installations goes as soon as the webhook is set again.
      webhookUrl: null,
    },
  });
  await recordAdminChange(tx, {
    orgId: input.orgId,
    actor: input.actor,
    action: input.url === null ? "team.webhook_clear" : "team.webhook_set",
    targetType: "team",
    targetId: team.id,
    details: { team: team.name, webhookHost: host, ...(input.source && { source: input.source }) },
  });
  return { teamId: team.id, webhookHost: host };
}

/**
 * The host of a webhook URL, which is all that is ever shown or audited of it.
 * @throws AppError INVALID_INPUT (field `url`) unless it is an http(s) URL.
 */
export function webhookHostOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError("INVALID_INPUT", "the webhook must be an http(s) URL", { details: { field: "url" } });
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new AppError("INVALID_INPUT", "the webhook must be an http(s) URL", { details: { field: "url" } });
  }
  return parsed.host;
}
