import type { ApprovalView } from "./list-approvals";

/** Slack's mrkdwn treats these three as markup: user content is escaped. */
function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const ARGUMENTS_MAX = 2_000;

/**
 * A Slack-compatible incoming-webhook body (`text` for clients that show only that, and
 * Block Kit `blocks`) about a new request or its decision. Other chat tools that accept
 * Slack's format (Mattermost, Rocket.Chat, Teams' Slack connector) read it too.
 */
export function approvalWebhookMessage(
  view: ApprovalView,
  event: "requested" | "decided",
  /** `consoleUrl`: the console's public URL; without it the message has no link. */
  options: { consoleUrl?: string } = {},
): Record<string, unknown> {
  // An agent by name; a person's own call as "person ann@example.com via Claude Code".
  const name = view.agent?.name ?? view.caller;
  const who = `*${esc(name)}*${view.team ? ` (team ${esc(view.team.name)})` : ""}`;
  const tool = `\`${esc(view.exposedName)}\``;
  // The console's approvals page opens and highlights the request given `?id=`.
  const link = options.consoleUrl
    ? ` · <${options.consoleUrl.replace(/\/$/, "")}/approvals?id=${encodeURIComponent(view.id)}|${event === "requested" ? "review it in the console" : "open it in the console"}>`
    : "";
  const context = {
    type: "context",
    elements: [{ type: "mrkdwn", text: `Approval \`${view.id}\`${link}` }],
  };
  if (event === "requested") {
    let args = JSON.stringify(view.arguments, null, 2);
    if (args.length > ARGUMENTS_MAX) args = `${args.slice(0, ARGUMENTS_MAX)}\n…`;
    const expires = Math.floor(view.expiresAt.getTime() / 1000);
    return {
      text: `Approval needed: ${name} wants to call ${view.exposedName} (${view.riskClass})`,
      blocks: [
        { type: "header", text: { type: "plain_text", text: "Approval needed" } },
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: `${who} wants to call ${tool} (${view.riskClass})${view.reason ? `\n>${esc(view.reason)}` : ""}`,
          },
        },
        {
          type: "section",
          fields: [
            { type: "mrkdwn", text: `*On behalf of*\n${esc(view.requester?.email ?? "—")}` },
            {
              type: "mrkdwn",
              text: `*Expires*\n<!date^${expires}^{date_short_pretty} {time}|${view.expiresAt.toISOString()}>`,
            },
          ],
        },
        { type: "section", text: { type: "mrkdwn", text: `\`\`\`${esc(args)}\`\`\`` } },
        context,
      ],
    };
  }
  const by = view.decidedBy ? ` by ${esc(view.decidedBy.email)}` : "";
  const verdict =
    view.status === "denied"
      ? `:no_entry: Denied${by}`
      : view.status === "expired"
        ? ":hourglass: Expired without a decision"
        : `:white_check_mark: Approved${by}`;
  const comment = view.comment ? `\n>${esc(view.comment)}` : "";
  return {
    text: `${verdict.replace(/:[a-z_]+: /, "")}: ${name}'s call to ${view.exposedName}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `${verdict}: ${who}'s call to ${tool}${comment}` } },
      context,
    ],
  };
}
