import { resolveOrganization } from "@portcullis/control/organizations/resolve-organization";
import { exportPortals } from "@portcullis/control/portals/list-portals";
import type { Command } from "commander";
import { stringify } from "yaml";
import { out } from "../output";
import { action } from "../run-action";

/**
 * `portcullis portals export`: the organization's portals as a config file's `portals:`
 * section (console-made ones included). Pasted into the file, `apply` plans no change.
 */
export function registerPortalsExport(portals: Command): void {
  portals
    .command("export")
    .description("print the portals as a config file's portals: section (YAML)")
    .option("--org <slug>", "organization (default: the only one)")
    .action(
      action(async ({ deps }, opts: { org?: string }) => {
        const db = await deps.db();
        const org = await resolveOrganization(db, opts.org === undefined ? {} : { slug: opts.org });
        out(stringify({ portals: await exportPortals(db, org.id) }).trimEnd());
      }),
    );
}
