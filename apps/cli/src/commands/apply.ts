import { applyAndPublish } from "@portcullis/control/apply/apply-and-publish";
import { loadConfigFile } from "@portcullis/control/apply/load-config-file";
import type { PlanChange } from "@portcullis/control/apply/plan";
import type { Command } from "commander";
import { requireSecretKey } from "../env";
import { note, out } from "../output";
import { action } from "../run-action";

const SYMBOL = { create: "+", update: "~", delete: "-" } as const;

export function registerApply(program: Command): void {
  program
    .command("apply")
    .description("make the installation match a config file (YAML or JSON), sync new servers, publish")
    .requiredOption("-f, --file <file>", "config file (portcullis.yaml)")
    .option("--dry-run", "show the plan without changing anything")
    .action(
      action(async ({ env, deps }, opts: { file: string; dryRun?: boolean }) => {
        const file = loadConfigFile(opts.file);
        const secretKey = requireSecretKey(env);
        const result = await applyAndPublish(
          { db: deps.db, redis: deps.redis, names: deps.names, pool: deps.pool, secretKey },
          file,
          { actor: { type: "cli", name: "cli" }, env: env.vars, dryRun: opts.dryRun === true },
        );
        if (result.plan.length === 0) out("No changes.");
        else {
          out(opts.dryRun ? "Plan (dry run, nothing changed):" : "Applied:");
          for (const change of result.plan) out(`  ${describeChange(change)}`);
        }
        const syncs = Object.entries(result.syncs);
        if (syncs.length > 0) out("Catalog sync:");
        for (const [server, sync] of syncs) {
          out(
            "error" in sync
              ? `  ${server}: failed: ${sync.error}`
              : `  ${server}: ${sync.added.length} added, ${sync.changed.length} changed, ` +
                  `${sync.removed.length} removed, ${sync.unchanged} unchanged`,
          );
        }
        if (result.snapshot) out(`Snapshot v${result.snapshot.version} published.`);
        if (syncs.some(([, s]) => "error" in s)) {
          note("note: servers that failed to sync are configured; run `portcullis catalog sync <server>` later");
        }
      }),
    );
}

function describeChange(change: PlanChange): string {
  const fields = change.fields?.length ? ` (${change.fields.join(", ")})` : "";
  const deferred = change.deferred ? ` — deferred: ${change.deferred}` : "";
  return `${SYMBOL[change.action]} ${change.action} ${change.kind} ${change.name}${fields}${deferred}`;
}
