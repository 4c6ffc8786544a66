import { resolveDesiredState } from "@portcullis/control/apply/desired-state";
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
    .option("--strict", "exit 1 when the file asks for something the apply refused (the plan's warnings)")
    .action(
      action(async ({ env, deps }, opts: { file: string; dryRun?: boolean; strict?: boolean }) => {
        const file = loadConfigFile(opts.file);
        // Reports bad references and unset secrets before anything connects (applyConfig checks again).
        resolveDesiredState(file, env.vars);
        const secretKey = requireSecretKey(env);
        const { applyAndPublish } = await import("@portcullis/control/apply/apply-and-publish");
        const result = await applyAndPublish(
          {
            db: await deps.db(),
            redis: await deps.redis(),
            names: deps.names,
            pool: await deps.pool(),
            secretKey,
          },
          file,
          { actor: { type: "cli", name: "cli" }, env: env.vars, dryRun: opts.dryRun === true },
        );
        const changes = result.plan.filter((c) => !c.warning);
        const refused = result.plan.filter((c) => c.warning);
        if (changes.length === 0) out("No changes.");
        else {
          out(opts.dryRun ? "Plan (dry run, nothing changed):" : "Applied:");
          for (const change of changes) out(`  ${describeChange(change)}`);
        }
        if (refused.length > 0) {
          out(opts.dryRun ? "Would not be applied:" : "Not applied:");
          for (const change of refused) out(`  ${describeChange(change)}`);
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
        if (result.snapshot) {
          out(
            `Snapshot v${result.snapshot.version} ${result.snapshot.published ? "published" : "is current"}.`,
          );
        }
        if (syncs.some(([, s]) => "error" in s)) {
          note(
            "note: servers that failed to sync are configured; run `portcullis catalog sync <server>` later",
          );
        }
        // Refused parts of the file (a definition hash that is not the current one…) do not fail
        // the rest of it (see planTools); stderr flags them so they are not lost in a long plan.
        if (refused.length > 0) {
          note(
            `warning: ${refused.length} part(s) of the file ${opts.dryRun ? "would not be" : "were not"} applied ` +
              `(listed above)${opts.strict ? "; failing because of --strict" : ""}`,
          );
          if (opts.strict) process.exitCode = 1;
        }
      }),
    );
}

function describeChange(change: PlanChange): string {
  const fields = change.fields?.length ? ` (${change.fields.join(", ")})` : "";
  const deferred = change.deferred ? ` — deferred: ${change.deferred}` : "";
  if (change.warning) return `! ${change.kind} ${change.name}${fields}: ${change.warning}`;
  return `${SYMBOL[change.action]} ${change.action} ${change.kind} ${change.name}${fields}${deferred}`;
}
