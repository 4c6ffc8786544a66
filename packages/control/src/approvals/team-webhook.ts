import { openText } from "@portcullis/auth/secrets";

/** The Team columns that hold its approval webhook (select them with TEAM_WEBHOOK_COLUMNS). */
export interface StoredTeamWebhook {
  /** The URL sealed under PORTCULLIS_SECRET_KEY. */
  webhookSecret: string | null;
  webhookHost: string | null;
  /** Plaintext URL of an installation older than sealing; read until the webhook is set again. */
  webhookUrl: string | null;
}

export const TEAM_WEBHOOK_COLUMNS = { webhookSecret: true, webhookHost: true, webhookUrl: true } as const;

export function hasTeamWebhook(team: StoredTeamWebhook): boolean {
  return team.webhookSecret !== null || team.webhookUrl !== null;
}

/** What may be shown of a team's webhook: its host (null: none). */
export function teamWebhookHost(team: StoredTeamWebhook): string | null {
  if (team.webhookSecret !== null) return team.webhookHost;
  if (team.webhookUrl === null) return null;
  try {
    return new URL(team.webhookUrl).host;
  } catch {
    return "(invalid URL)";
  }
}

/**
 * The team's webhook URL in the clear, for the worker posting to it and for `portcullis
 * apply` comparing it with the file. Null: none.
 * @throws Error when it is sealed and `secretKey` is missing or not the key that sealed it
 *   (the message names the host only).
 */
export function openTeamWebhook(team: StoredTeamWebhook, secretKey: Buffer | undefined): string | null {
  if (team.webhookSecret === null) return team.webhookUrl;
  if (secretKey === undefined) {
    throw new Error(
      `the webhook URL for ${team.webhookHost ?? "this team"} is sealed and PORTCULLIS_SECRET_KEY is not set here`,
    );
  }
  try {
    return openText(team.webhookSecret, secretKey);
  } catch {
    throw new Error(
      `the webhook URL for ${team.webhookHost ?? "this team"} does not open with PORTCULLIS_SECRET_KEY ` +
        "(was the key changed?): set the webhook again",
    );
  }
}
