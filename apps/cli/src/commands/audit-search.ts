import { auditDecision } from "@portcullis/contracts/audit";
import { AppError } from "@portcullis/contracts/errors";
import { searchAudit } from "@portcullis/control/audit/search-audit";
import type { Command } from "commander";
import { formatTable, note, out } from "../output";
import { action } from "../run-action";
import { parseTimeInput } from "../time-input";

interface AuditSearchOptions {
  agent?: string;
  tool?: string;
  decision?: string;
  portal?: string;
  since?: string;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

export function registerAuditSearch(audit: Command): void {
  audit
    .command("search")
    .description("search the audit log, newest first")
    .option("--agent <agent>", "agent name or id")
    .option("--tool <tool>", "exposed tool name (server__tool)")
    .option("--decision <decision>", "allowed, denied, invalid, unauthenticated or error")
    .option("--portal <portal>", "only requests through this portal (/mcp/<portal>)")
    .option("--since <when>", "a duration back from now (10m, 2h, 7d) or an ISO date")
    .option("--limit <n>", "rows per page (1-500)", "50")
    .option("--cursor <cursor>", "continue after a previous page")
    .option("--json", "JSON Lines instead of a table")
    .action(
      action(async ({ deps }, opts: AuditSearchOptions) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit))
          throw new AppError("INVALID_INPUT", `--limit: expected a number (got "${opts.limit}")`);
        if (opts.decision !== undefined && !auditDecision.safeParse(opts.decision).success) {
          throw new AppError(
            "INVALID_INPUT",
            `--decision: expected one of ${auditDecision.options.join(", ")} (got "${opts.decision}")`,
          );
        }
        const page = await searchAudit(await deps.db(), {
          limit,
          ...(opts.agent !== undefined && { agent: opts.agent }),
          ...(opts.tool !== undefined && { tool: opts.tool }),
          ...(opts.decision !== undefined && { decision: opts.decision }),
          ...(opts.portal !== undefined && { portal: opts.portal }),
          ...(opts.since !== undefined && { since: parseTimeInput(opts.since, "past", "--since") }),
          ...(opts.cursor !== undefined && { cursor: opts.cursor }),
        });
        if (opts.json) {
          for (const row of page.rows) out(JSON.stringify(row));
        } else if (page.rows.length === 0) {
          note("No matching audit events.");
        } else {
          out(
            formatTable(
              ["TIME", "AGENT", "TOOL", "DECISION", "LATENCY", "REASON"],
              page.rows.map((e) => [
                e.occurredAt.toISOString(),
                e.agentName ?? e.agentId ?? "-",
                e.toolName ?? e.method,
                e.decision,
                `${Math.round(e.latencyMs)}ms`,
                e.reason ?? "",
              ]),
            ),
          );
        }
        if (page.nextCursor) note(`more: --cursor ${page.nextCursor}`);
      }),
    );
}
