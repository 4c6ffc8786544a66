import { revokeApiKey } from "@portcullis/control/agents/revoke-api-key";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import type { Command } from "commander";
import { out } from "../output";
import { action } from "../run-action";

export function registerAgentKeyRevoke(keys: Command): void {
  keys
    .command("revoke <keyIdOrPrefix>")
    .description("revoke an API key by id (key_…), prefix (pcs_…) or the key itself")
    .action(
      action(async ({ deps }, ref: string) => {
        const revoked = await revokeApiKey(await deps.db(), {
          keyIdOrPrefix: ref,
          actor: { type: "cli", name: "cli" },
        });
        if (revoked.alreadyRevoked) {
          out(
            `Key ${revoked.id} (${revoked.prefix}…) of agent ${revoked.agentName} was already revoked at ${revoked.revokedAt.toISOString()}.`,
          );
        }
        // Published even when already revoked: a previous revoke may have failed to publish.
        const snapshot = await publishSnapshot(await deps.db(), await deps.redis(), deps.names, {
          secretKey: deps.secretKey(),
          createdBy: "cli",
          summary: `api key ${revoked.id} revoked`,
        });
        if (!revoked.alreadyRevoked) {
          out(
            `Revoked key ${revoked.id} (${revoked.prefix}…) of agent ${revoked.agentName}; snapshot v${snapshot.version} published.`,
          );
        }
      }),
    );
}
