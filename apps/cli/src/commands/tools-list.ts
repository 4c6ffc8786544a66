import { AppError } from "@portcullis/contracts/errors";
import { resolveOrganization } from "@portcullis/control/organizations/resolve-organization";
import { listTools } from "@portcullis/control/tools/list-tools";
import type { Command } from "commander";
import { formatTable, note, out } from "../output";
import { action } from "../run-action";

interface ToolsListOptions {
  org?: string;
  server?: string;
  quarantined?: boolean;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

export function registerToolsList(tools: Command): void {
  tools
    .command("list")
    .description(
      "the tool catalog with status, risk and current definition hash (for a config file's approvedDefinition)",
    )
    .option("--org <slug>", "organization (default: the only one)")
    .option("--server <name>", "only this server's tools")
    .option("--quarantined", "only tools waiting for a definition review")
    .option("--limit <n>", "rows per page (1-200)", "200")
    .option("--cursor <cursor>", "continue after a previous page")
    .option("--json", "JSON Lines instead of a table")
    .action(
      action(async ({ deps }, opts: ToolsListOptions) => {
        const db = await deps.db();
        const org = await resolveOrganization(db, opts.org === undefined ? {} : { slug: opts.org });
        let serverId: string | undefined;
        if (opts.server !== undefined) {
          const server = await db.server.findFirst({
            where: { orgId: org.id, name: opts.server },
            select: { id: true },
          });
          if (!server)
            throw new AppError("NOT_FOUND", `organization ${org.slug} has no server "${opts.server}"`);
          serverId = server.id;
        }
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 200)
          throw new AppError("INVALID_INPUT", "--limit: a whole number from 1 to 200");
        const page = await listTools(db, {
          orgId: org.id,
          limit,
          ...(serverId !== undefined && { serverId }),
          ...(opts.quarantined && { status: "quarantined" as const }),
          ...(opts.cursor !== undefined && { cursor: opts.cursor }),
        });
        if (opts.json) {
          for (const t of page.items) {
            out(
              JSON.stringify({
                server: t.serverName,
                tool: t.upstreamName,
                status: t.status,
                risk: t.riskClass,
                riskOverride: t.riskOverride,
                definitionHash: t.definitionHash,
                flags: t.flags,
              }),
            );
          }
        } else if (page.items.length === 0) {
          note(opts.quarantined ? "No tools are waiting for a review." : "No tools.");
        } else {
          out(
            formatTable(
              ["SERVER", "TOOL", "STATUS", "RISK", "DEFINITION (SHA-256)", "FLAGS"],
              page.items.map((t) => [
                t.serverName,
                t.upstreamName,
                t.status,
                t.riskOverride === null ? t.riskClass : `${t.riskClass} (override)`,
                t.definitionHash,
                t.flags.join(","),
              ]),
            ),
          );
        }
        if (page.nextCursor) note(`more: --cursor ${page.nextCursor}`);
      }),
    );
}
