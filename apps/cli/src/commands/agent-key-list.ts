import { listApiKeys } from "@portcullis/control/agents/list-api-keys";
import type { Command } from "commander";
import { formatTable, isoOrDash, out } from "../output";
import { action } from "../run-action";

export function registerAgentKeyList(keys: Command): void {
  keys
    .command("list <agent>")
    .description("list an agent's API keys (never the keys themselves)")
    .action(
      action(async ({ deps }, agentName: string) => {
        const rows = await listApiKeys(await deps.db(), agentName);
        if (rows.length === 0) return out(`Agent ${agentName} has no API keys.`);
        const now = Date.now();
        out(
          formatTable(
            ["ID", "PREFIX", "NAME", "STATUS", "CREATED", "EXPIRES", "LAST USED"],
            rows.map((k) => [
              k.id,
              k.prefix,
              k.name ?? "-",
              k.revokedAt ? "revoked" : k.expiresAt && k.expiresAt.getTime() <= now ? "expired" : "active",
              k.createdAt.toISOString(),
              isoOrDash(k.expiresAt),
              isoOrDash(k.lastUsedAt),
            ]),
          ),
        );
      }),
    );
}
