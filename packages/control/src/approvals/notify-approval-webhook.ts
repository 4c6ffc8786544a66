import type { ApprovalNotifyPayload } from "@portcullis/contracts/jobs";
import { createOutboundGuard, type OutboundGuard } from "@portcullis/upstream/outbound-guard";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import { getApproval } from "./list-approvals";
import { hasTeamWebhook, openTeamWebhook, TEAM_WEBHOOK_COLUMNS, teamWebhookHost } from "./team-webhook";
import { approvalWebhookMessage } from "./webhook-message";

export interface WebhookOptions {
  /** Per attempt. Default 5 s. */
  timeoutMs?: number;
  /** The console's public URL: the message links to the request there when it is set. */
  consoleUrl?: string;
  /** Opens the sealed webhook URL (PORTCULLIS_SECRET_KEY). Without it only a legacy plaintext URL is usable. */
  secretKey?: Buffer;
  /**
   * The SSRF guard posts go through (the worker's PORTCULLIS_OUTBOUND_ALLOW); every redirect
   * hop is checked again. Default: nothing private, loopback or link-local is reachable.
   */
  outbound?: OutboundGuard;
}

const NO_PRIVATE_NETWORKS = createOutboundGuard([]);

/**
 * Posts a request or its decision to the team's webhook, opened from its sealed column only
 * here, just before the request (see team-webhook.ts). A failure
 * (network, timeout, non-2xx) throws so the job is retried with backoff; the outcome of the
 * last attempt, sent or failed for good, is recorded in the admin audit log (the URL's host
 * only: the rest of a Slack webhook URL is a secret).
 * @returns false when the team has no webhook (nothing to do).
 */
export async function notifyApprovalWebhook(
  db: Db,
  payload: ApprovalNotifyPayload,
  attempt: { number: number; finalAttempt: boolean },
  options: WebhookOptions = {},
): Promise<boolean> {
  const row = await db.approvalRequest.findUnique({
    where: { id: payload.approvalId },
    select: { orgId: true, teamId: true },
  });
  if (!row?.teamId) return false;
  const team = await db.team.findUnique({ where: { id: row.teamId }, select: TEAM_WEBHOOK_COLUMNS });
  if (!team || !hasTeamWebhook(team)) return false;
  const view = await getApproval(db, row.orgId, payload.approvalId);
  const host = teamWebhookHost(team);
  const record = (action: string, details: Record<string, unknown>) =>
    db.$transaction((tx) =>
      recordAdminChange(tx, {
        orgId: row.orgId,
        actor: { type: "system", name: "approval webhook" },
        action,
        targetType: "approval",
        targetId: payload.approvalId,
        details: { event: payload.event, webhookHost: host, attempt: attempt.number, ...details },
      }),
    );

  let failure: string;
  let url: string;
  try {
    url = openTeamWebhook(team, options.secretKey)!;
  } catch (error) {
    // The key is missing or wrong (the message names the host only); failed like a delivery.
    failure = error instanceof Error ? error.message : String(error);
    if (attempt.finalAttempt) await record("approval.notify_failed", { error: failure });
    throw new Error(failure);
  }
  try {
    const res = await (options.outbound ?? NO_PRIVATE_NETWORKS).fetchFollowing(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(approvalWebhookMessage(view, payload.event, options)),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    await res.body?.cancel();
    if (res.ok) {
      await record("approval.notify", { status: res.status });
      return true;
    }
    failure = `the webhook answered HTTP ${res.status}`;
  } catch (error) {
    failure = `the webhook could not be reached: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (attempt.finalAttempt) await record("approval.notify_failed", { error: failure });
  throw new Error(failure);
}
