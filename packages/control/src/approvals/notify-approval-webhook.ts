import type { ApprovalNotifyPayload } from "@portcullis/contracts/jobs";
import { createOutboundGuard, type OutboundGuard } from "@portcullis/upstream/outbound-guard";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import type { ApprovalJobs } from "./approval-jobs";
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

/** The teams whose approvers may decide a request, in its order (older rows name one `teamId`). */
function requestTeamIds(row: { teamId: string | null; teamIds: string[] }): string[] {
  return row.teamIds.length > 0 ? row.teamIds : row.teamId ? [row.teamId] : [];
}

/**
 * Which teams get a delivery, in order: those with a webhook, one per distinct URL (the first
 * team naming it), so a channel two teams share hears of a request once. A URL that does not
 * open (the key is missing or changed) counts as its own destination: its delivery fails and
 * is recorded like a failed post.
 */
export function webhookDestinations(
  teams: ReadonlyArray<{ teamId: string; url: string | null | Error }>,
): string[] {
  const seen = new Set<string>();
  const destinations: string[] = [];
  for (const { teamId, url } of teams) {
    if (url === null) continue;
    if (typeof url === "string") {
      if (seen.has(url)) continue;
      seen.add(url);
    }
    destinations.push(teamId);
  }
  return destinations;
}

/**
 * `approval.notify` without a team: enqueues one delivery per distinct webhook of the
 * request's teams (every team whose approvers may decide it), so each is retried on its
 * own and a failing one delays none of the others.
 * @returns the teams a delivery was enqueued for.
 */
export async function fanOutApprovalWebhooks(
  db: Db,
  payload: ApprovalNotifyPayload,
  jobs: Pick<ApprovalJobs, "notify">,
  secretKey: Buffer | undefined,
): Promise<string[]> {
  const row = await db.approvalRequest.findUnique({
    where: { id: payload.approvalId },
    select: { orgId: true, teamId: true, teamIds: true },
  });
  if (!row) return [];
  const ids = requestTeamIds(row);
  const found = await db.team.findMany({
    where: { id: { in: ids }, orgId: row.orgId },
    select: { id: true, ...TEAM_WEBHOOK_COLUMNS },
  });
  const teams = ids.flatMap((id) => {
    const team = found.find((t) => t.id === id);
    if (!team) return [];
    let url: string | null | Error;
    try {
      url = openTeamWebhook(team, secretKey);
    } catch (error) {
      url = error instanceof Error ? error : new Error(String(error));
    }
    return [{ teamId: id, url }];
  });
  const destinations = webhookDestinations(teams);
  for (const teamId of destinations) await jobs.notify(payload.approvalId, payload.event, teamId);
  return destinations;
}

/**
 * Posts a request or its decision to one team's webhook, opened from its sealed column only
 * here, just before the request (see team-webhook.ts). A failure
 * (network, timeout, non-2xx) throws so the job is retried with backoff; the outcome of the
 * last attempt, sent or failed for good, is recorded in the admin audit log (the team and the
 * URL's host only: the rest of a Slack webhook URL is a secret).
 * @returns false when the team has no webhook (nothing to do) or is not one of the request's.
 */
export async function notifyApprovalWebhook(
  db: Db,
  payload: ApprovalNotifyPayload & { teamId: string },
  attempt: { number: number; finalAttempt: boolean },
  options: WebhookOptions = {},
): Promise<boolean> {
  const row = await db.approvalRequest.findUnique({
    where: { id: payload.approvalId },
    select: { orgId: true, teamId: true, teamIds: true },
  });
  if (!row || !requestTeamIds(row).includes(payload.teamId)) return false;
  const team = await db.team.findFirst({
    where: { id: payload.teamId, orgId: row.orgId },
    select: { name: true, ...TEAM_WEBHOOK_COLUMNS },
  });
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
        details: {
          event: payload.event,
          team: team.name,
          webhookHost: host,
          attempt: attempt.number,
          ...details,
        },
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
