import { AppError } from "@portcullis/contracts/errors";
import { publishSnapshot } from "@portcullis/control/snapshots/publish-snapshot";
import type { Command } from "commander";
import { requireSecretKey } from "../env";
import { note, out } from "../output";
import { action } from "../run-action";

export function registerCatalogSync(catalog: Command): void {
  catalog
    .command("sync [server]")
    .description(
      "list tools upstream and update the catalog (one server by name or id, or every active server)",
    )
    .action(
      action(async ({ env, deps }, server: string | undefined) => {
        const secretKey = requireSecretKey(env);
        const { syncServerCatalog } = await import("@portcullis/control/servers/sync-catalog");
        const [db, pool] = [await deps.db(), await deps.pool()];
        const servers = await db.server.findMany({
          where: server === undefined ? { status: "active" } : { OR: [{ id: server }, { name: server }] },
          select: { id: true, name: true },
          orderBy: { name: "asc" },
        });
        if (server !== undefined && servers.length === 0)
          throw new AppError("NOT_FOUND", `no server named "${server}"`);
        if (servers.length > 1 && server !== undefined) {
          throw new AppError("INVALID_INPUT", `several organizations have a server "${server}": give its id`);
        }
        if (servers.length === 0) return note("No active servers.");
        let changed = false;
        let failed = 0;
        for (const s of servers) {
          try {
            const r = await syncServerCatalog(db, pool, s.id, {
              secretKey,
              actor: { type: "cli", name: "cli" },
            });
            changed ||= r.added.length + r.changed.length + r.removed.length > 0;
            out(
              `${s.name}: ${r.added.length} added, ${r.changed.length} changed, ${r.removed.length} removed, ${r.unchanged} unchanged`,
            );
          } catch (error) {
            if (server !== undefined) throw error;
            failed++;
            out(`${s.name}: failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        if (changed) {
          const snapshot = await publishSnapshot(db, await deps.redis(), deps.names, {
            secretKey,
            createdBy: "cli",
            summary: "catalog sync",
          });
          out(`Snapshot v${snapshot.version} published.`);
        }
        if (failed > 0)
          throw new AppError(
            "UPSTREAM_UNAVAILABLE",
            `${failed} of ${servers.length} server(s) failed to sync`,
          );
      }),
    );
}
