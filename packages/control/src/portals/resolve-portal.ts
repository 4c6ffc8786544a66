import type { ConfigPortal } from "@portcullis/contracts/portal";
import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import { type PortalProblem, portalTools } from "@portcullis/policy/portal-tools";
import type { Tx } from "../db";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import type { StoredPortalValues } from "./stored-portal";

/** An organization's servers and tools as the gateway sees them, for checking a portal. */
export interface PortalCatalog {
  serversByName: Map<string, SnapshotServer>;
  serversById: Map<string, SnapshotServer>;
  tools: SnapshotTool[];
}

/** Compiled as a snapshot is (the same tool statuses and schemas the gateway will use). */
export async function loadPortalCatalog(tx: Tx, orgId: string): Promise<PortalCatalog> {
  const doc = await compileSnapshot(tx, 0, { orgId });
  return catalogOf(doc.servers, doc.tools);
}

export function catalogOf(servers: SnapshotServer[], tools: SnapshotTool[]): PortalCatalog {
  return {
    serversByName: new Map(servers.map((s) => [s.name, s])),
    serversById: new Map(servers.map((s) => [s.id, s])),
    tools,
  };
}

/**
 * A portal as written (servers by name) turned into its stored values (servers by id), with
 * everything wrong with it: servers the catalog does not hold, and the problems
 * `portalTools` finds (bare-name collisions naming both tools, overrides of tools the
 * portal does not select, fixed arguments the schema does not allow). The console and the
 * apply file both refuse a portal with problems, so neither can store one the other would not.
 */
export function resolvePortal(
  portal: Pick<ConfigPortal, "description" | "tools" | "naming" | "exposure" | "overrides">,
  catalog: PortalCatalog,
): { values: StoredPortalValues; problems: PortalProblem[] } {
  const problems: PortalProblem[] = [];
  const idOf = (name: string, path: Array<string | number>): string => {
    const server = catalog.serversByName.get(name);
    if (!server) problems.push({ path, message: `unknown server "${name}"` });
    return server?.id ?? `unknown:${name}`;
  };
  const values: StoredPortalValues = {
    description: portal.description ?? null,
    naming: portal.naming,
    exposure: portal.exposure,
    tools: portal.tools.map((t, i) => ({ serverId: idOf(t.server, ["tools", i, "server"]), tools: t.tools })),
    overrides: portal.overrides.map((o, i) => ({
      serverId: idOf(o.server, ["overrides", i, "server"]),
      tool: o.tool,
      name: o.name ?? null,
      description: o.description ?? null,
      fixedArguments: o.fixedArguments ?? null,
      pinned: o.pinned === true,
    })),
  };
  // Unknown servers are reported once, above; portalTools checks the rest.
  const checked = portalTools(values, catalog.tools, catalog.serversById);
  problems.push(...checked.problems.filter((p) => !p.message.startsWith("unknown server")));
  return { values, problems };
}

/** A portal's stored values written back with server names (console forms, export). */
export function portalAsWritten(
  name: string,
  values: StoredPortalValues,
  serversById: ReadonlyMap<string, { name: string }>,
): ConfigPortal {
  const nameOf = (id: string) => serversById.get(id)?.name;
  return {
    name,
    ...(values.description !== null && { description: values.description }),
    // A selection of a deleted server selects nothing: it is left out.
    tools: values.tools.flatMap((t) => {
      const server = nameOf(t.serverId);
      return server ? [{ server, tools: t.tools }] : [];
    }),
    naming: values.naming,
    exposure: values.exposure,
    overrides: values.overrides.flatMap((o) => {
      const server = nameOf(o.serverId);
      if (!server) return [];
      return [
        {
          server,
          tool: o.tool,
          ...(o.name !== null && { name: o.name }),
          ...(o.description !== null && { description: o.description }),
          ...(o.fixedArguments !== null && { fixedArguments: o.fixedArguments }),
          ...(o.pinned && { pinned: true }),
        },
      ];
    }),
  };
}
