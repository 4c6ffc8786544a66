import { AppError } from "@portcullis/contracts/errors";
import { decideApproval } from "@portcullis/control/approvals/decide-approval";
import { normalizeEmail } from "@portcullis/control/identity/normalize-email";
import { ApprovalQueue } from "@portcullis/queues/approval-queue";
import type { Command } from "commander";
import { out } from "../output";
import type { CommandContext } from "../run-action";
import { action } from "../run-action";

interface DecideOptions {
  as: string;
  comment?: string;
  reason?: string;
}

/**
 * `approvals approve|deny <id> --as <email>`: the same decision the console makes, with the
 * same rule (`mayDecideApproval`: an owner or admin, or an approver who is a member of the
 * request's team; never the one the request is for). The first decision wins; a later one
 * is told who decided first.
 */
async function decide(
  { deps }: CommandContext,
  decision: "approve" | "deny",
  id: string,
  opts: DecideOptions,
): Promise<void> {
  const db = await deps.db();
  const row = await db.approvalRequest.findUnique({ where: { id }, select: { orgId: true } });
  if (!row) throw new AppError("NOT_FOUND", `approval ${id} does not exist`);
  const user = await db.user.findUnique({ where: { email: normalizeEmail(opts.as) }, select: { id: true } });
  if (!user) throw new AppError("NOT_FOUND", `no user ${opts.as}: --as names a console user by email`);
  const redis = await deps.redis();
  const queue = new ApprovalQueue({ names: deps.names, connection: redis });
  try {
    const decided = await decideApproval(
      db,
      redis,
      deps.names,
      {
        orgId: row.orgId,
        approvalId: id,
        decision,
        comment: (decision === "deny" ? opts.reason : opts.comment) ?? null,
        deciderId: user.id,
        via: "cli",
        secretKey: deps.secretKey(),
      },
      queue,
    );
    out(
      `${decided.status === "approved" ? "Approved" : "Denied"} ${decided.id} as ${decided.decidedBy.email}.`,
    );
  } finally {
    await queue.close();
  }
}

export function registerApprovalsDecide(approvals: Command): void {
  approvals
    .command("approve <id>")
    .description("approve a waiting request: the held call runs with the arguments it was requested with")
    .requiredOption(
      "--as <email>",
      "who decides (an owner or admin, or an approver in the requesting agent's team)",
    )
    .option("--comment <text>", "a note kept with the decision")
    .action(action((ctx, id: string, opts: DecideOptions) => decide(ctx, "approve", id, opts)));
  approvals
    .command("deny <id>")
    .description("deny a waiting request: the agent gets an error carrying the reason")
    .requiredOption(
      "--as <email>",
      "who decides (an owner or admin, or an approver in the requesting agent's team)",
    )
    .requiredOption("--reason <text>", "why; the agent is told")
    .action(action((ctx, id: string, opts: DecideOptions) => decide(ctx, "deny", id, opts)));
}
