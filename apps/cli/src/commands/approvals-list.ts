import { type ApprovalView, listApprovals } from "@portcullis/control/approvals/list-approvals";
import { resolveOrganization } from "@portcullis/control/organizations/resolve-organization";
import type { Command } from "commander";
import { formatTable, note, out } from "../output";
import { action } from "../run-action";

interface ApprovalsListOptions {
  org?: string;
  decided?: boolean;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

const ARGS_MAX = 60;

function expiresIn(view: ApprovalView, now: number): string {
  if (view.status !== "pending") return view.status;
  const s = Math.max(0, Math.round((view.expiresAt.getTime() - now) / 1000));
  return s >= 60 ? `in ${Math.floor(s / 60)}m ${s % 60}s` : `in ${s}s`;
}

export function registerApprovalsList(approvals: Command): void {
  approvals
    .command("list")
    .description("approval requests waiting for a decision (oldest first), or --decided ones")
    .option("--org <slug>", "organization (default: the only one)")
    .option("--decided", "decided and expired requests instead, newest first")
    .option("--limit <n>", "rows per page (1-200)", "50")
    .option("--cursor <cursor>", "continue after a previous page")
    .option("--json", "JSON Lines instead of a table")
    .action(
      action(async ({ deps }, opts: ApprovalsListOptions) => {
        const db = await deps.db();
        const org = await resolveOrganization(db, opts.org === undefined ? {} : { slug: opts.org });
        const page = await listApprovals(db, {
          orgId: org.id,
          status: opts.decided ? "decided" : "pending",
          limit: Number(opts.limit),
          ...(opts.cursor !== undefined && { cursor: opts.cursor }),
        });
        if (opts.json) {
          for (const item of page.items) out(JSON.stringify(item));
        } else if (page.items.length === 0) {
          note(opts.decided ? "No decided approval requests." : "No approval requests are waiting.");
        } else {
          const now = Date.now();
          out(
            formatTable(
              ["ID", "EXPIRES", "AGENT", "ON BEHALF OF", "TOOL", "RISK", "ARGUMENTS", "REASON"],
              page.items.map((v) => {
                const args = JSON.stringify(v.arguments);
                return [
                  v.id,
                  opts.decided
                    ? `${v.status}${v.decidedBy ? ` by ${v.decidedBy.email}` : ""}`
                    : expiresIn(v, now),
                  v.agent?.name ?? v.caller,
                  v.requester?.email ?? "-",
                  v.exposedName,
                  v.riskClass,
                  args.length > ARGS_MAX ? `${args.slice(0, ARGS_MAX - 1)}…` : args,
                  v.reason ?? "",
                ];
              }),
            ),
          );
        }
        if (page.nextCursor) note(`more: --cursor ${page.nextCursor}`);
      }),
    );
}
