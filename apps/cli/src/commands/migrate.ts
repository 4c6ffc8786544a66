import type { Command } from "commander";
import { requireDatabaseUrl } from "../env";
import { note, out } from "../output";
import { action } from "../run-action";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("create the database if missing and apply pending migrations")
    .action(
      action(async ({ env }) => {
        const { migrate } = await import("@portcullis/db/migrate");
        const { applied } = await migrate(requireDatabaseUrl(env), { log: note });
        for (const name of applied) out(name);
      }),
    );
}
