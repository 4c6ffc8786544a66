import { publishSnapshot, republishLatest } from "@portcullis/control/snapshots/publish-snapshot";
import type { Command } from "commander";
import { out } from "../output";
import { action } from "../run-action";

export function registerSnapshotPublish(snapshot: Command): void {
  snapshot
    .command("publish")
    .description("compile the installation into a new snapshot version and publish it to the gateways")
    .option("--latest", "only make sure Redis serves the latest stored snapshot (no new version)")
    .action(
      action(async ({ deps }, opts: { latest?: boolean }) => {
        if (opts.latest) {
          const latest = await republishLatest(
            await deps.db(),
            await deps.redis(),
            deps.names,
            deps.secretKey(),
          );
          out(`Snapshot v${latest.version} ${latest.written ? "published" : "already served"}.`);
          return;
        }
        const published = await publishSnapshot(await deps.db(), await deps.redis(), deps.names, {
          secretKey: deps.secretKey(),
          createdBy: "cli",
          summary: "published from the CLI",
        });
        out(`Snapshot v${published.version} published (${published.hash.slice(0, 12)}).`);
      }),
    );
}
