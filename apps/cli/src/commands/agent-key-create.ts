import { createApiKey } from "@portcullis/control/agents/create-api-key";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import type { Command } from "commander";
import { note, out } from "../output";
import { action } from "../run-action";
import { parseTimeInput } from "../time-input";

export function registerAgentKeyCreate(keys: Command): void {
  keys
    .command("create <agent>")
    .description("issue an API key for an agent: prints the key alone on stdout (shown once)")
    .option("--name <name>", "a label for the key")
    .option("--expires <when>", "expiry: a duration (30d, 12h) or an ISO date")
    .action(
      action(async ({ deps }, agentName: string, opts: { name?: string; expires?: string }) => {
        const expiresAt =
          opts.expires === undefined ? undefined : parseTimeInput(opts.expires, "future", "--expires");
        const created = await createApiKey(await deps.db(), {
          agentName,
          ...(opts.name !== undefined && { name: opts.name }),
          ...(expiresAt !== undefined && { expiresAt }),
          actor: { type: "cli", name: "cli" },
        });
        // stdout carries the key and nothing else, so `KEY=$(portcullis agent key create x)` works.
        out(created.key);
        note(
          `Created key ${created.id} (${created.prefix}…) for agent ${agentName}` +
            `${created.expiresAt ? `, expires ${created.expiresAt.toISOString()}` : ""}. It is not shown again.`,
        );
        try {
          const snapshot = await publishSnapshot(await deps.db(), await deps.redis(), deps.names, {
            secretKey: deps.secretKey(),
            createdBy: "cli",
            summary: `api key created for ${agentName}`,
          });
          note(`Snapshot v${snapshot.version} published: gateways accept the key within a second.`);
        } catch (error) {
          note("The key exists but gateways do not know it yet: run `portcullis snapshot publish`.");
          throw error;
        }
      }),
    );
}
