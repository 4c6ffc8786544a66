import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import type { ConfigPortal } from "@portcullis/contracts/portal";
import type { SnapshotServer } from "@portcullis/contracts/snapshot";
import { canonicalJson } from "../canonical-json";
import { formatConfigPath } from "../change-plan/config-path";
import type { Tx } from "../db";
import { catalogOf, loadPortalCatalog, type PortalCatalog, resolvePortal } from "../portals/resolve-portal";
import { columns } from "../portals/save-portal";
import { type StoredPortalValues, storedPortalValues } from "../portals/stored-portal";
import type { ApplyContext, Operation } from "./plan";

export interface DesiredPortal extends ConfigPortal {
  path: string;
}

export interface InstalledPortal {
  id: string;
  name: string;
  values: StoredPortalValues;
}

/** The organization's portals and the catalog their definitions are checked against. */
export interface InstalledPortals {
  portals: InstalledPortal[];
  catalog: PortalCatalog;
}

export async function loadInstalledPortals(tx: Tx, orgId: string): Promise<InstalledPortals> {
  const rows = await tx.portal.findMany({ where: { orgId }, orderBy: { name: "asc" } });
  const catalog = await loadPortalCatalog(tx, orgId);
  // A selection of a server deleted since selects nothing, and export leaves it out: compare without it.
  const known = (e: { serverId: string }) => catalog.serversById.has(e.serverId);
  return {
    portals: rows.map((row) => {
      const values = storedPortalValues(row);
      return {
        id: row.id,
        name: row.name,
        values: { ...values, tools: values.tools.filter(known), overrides: values.overrides.filter(known) },
      };
    }),
    catalog,
  };
}

export const NO_PORTALS: InstalledPortals = { portals: [], catalog: catalogOf([], []) };

/**
 * The `portals:` entries as desired state: unique names, servers the file declares.
 * Problems are appended to `problems` (reported with the rest of the file's).
 */
export function resolveDesiredPortals(
  entries: readonly ConfigPortal[],
  servers: Set<string>,
  unique: (kind: string, name: string, path: string) => void,
  problems: string[],
): DesiredPortal[] {
  return entries.map((p, i) => {
    const path = `portals[${i}]`;
    unique("portal", p.name, `${path}.name`);
    const named = [
      ...p.tools.map((t, j) => [t.server, `${path}.tools[${j}].server`] as const),
      ...p.overrides.map((o, j) => [o.server, `${path}.overrides[${j}].server`] as const),
    ];
    for (const [server, where] of named) {
      if (!servers.has(server))
        problems.push(`${where}: unknown server "${server}" (declare it under servers:)`);
    }
    return { ...p, path };
  });
}

const PENDING = "pending:";
const FIELDS = ["description", "naming", "exposure", "tools", "overrides"] as const;

/**
 * Portal creates, updates and deletes, checked as the console checks them (resolvePortal):
 * a bare-name collision, an override of a tool the portal does not select or a fixed
 * argument the schema refuses fails the whole apply, before anything is written. A server
 * this apply creates has no catalog yet: its tools are checked by the gateway once synced.
 * Portals name servers by id, so they are written after the servers and deleted first.
 */
export function planPortals(
  installed: InstalledPortals,
  desired: DesiredPortal[],
  desiredServers: string[],
): { deletes: Operation[]; upserts: Operation[] } {
  const { catalog } = installed;
  const pendingServers: SnapshotServer[] = desiredServers
    .filter((name) => !catalog.serversByName.has(name))
    .map((name) => ({ ...PENDING_SERVER, id: `${PENDING}${name}`, name }));
  const planCatalog = catalogOf([...catalog.serversByName.values(), ...pendingServers], catalog.tools);

  const problems: string[] = [];
  const resolved = desired.map((want) => {
    const { values, problems: found } = resolvePortal(want, planCatalog);
    for (const p of found) problems.push(`${want.path}.${formatConfigPath(p.path)}: ${p.message}`);
    return { want, values };
  });
  if (problems.length > 0) {
    throw new AppError("INVALID_INPUT", `invalid config file:\n  ${problems.join("\n  ")}`, {
      details: { problems },
    });
  }

  const byName = new Map(installed.portals.map((p) => [p.name, p]));
  const wanted = new Set(desired.map((p) => p.name));
  const deletes: Operation[] = installed.portals
    .filter((p) => !wanted.has(p.name))
    .map((row) => ({
      change: { action: "delete", kind: "portal", name: row.name },
      run: async (tx) => {
        await tx.portal.delete({ where: { id: row.id } });
        return row.id;
      },
    }));

  const upserts: Operation[] = [];
  for (const { want, values } of resolved) {
    const withIds = (ctx: ApplyContext): StoredPortalValues => ({
      ...values,
      tools: values.tools.map((t) => ({ ...t, serverId: realId(t.serverId, ctx) })),
      overrides: values.overrides.map((o) => ({ ...o, serverId: realId(o.serverId, ctx) })),
    });
    const row = byName.get(want.name);
    if (!row) {
      upserts.push({
        change: { action: "create", kind: "portal", name: want.name },
        details: { naming: values.naming, exposure: values.exposure },
        run: async (tx, ctx) => {
          const id = newId("portal");
          await tx.portal.create({
            data: {
              id,
              orgId: ctx.orgId,
              name: want.name,
              ...columns(withIds(ctx)),
              createdBy: ctx.createdBy,
            },
          });
          return id;
        },
      });
      continue;
    }
    const fields = FIELDS.filter((f) => canonicalJson(row.values[f]) !== canonicalJson(values[f]));
    if (fields.length === 0) continue;
    upserts.push({
      change: { action: "update", kind: "portal", name: want.name, fields: [...fields] },
      run: async (tx, ctx) => {
        await tx.portal.update({ where: { id: row.id }, data: columns(withIds(ctx)) });
        return row.id;
      },
    });
  }
  return { deletes, upserts };
}

function realId(id: string, ctx: ApplyContext): string {
  return id.startsWith(PENDING) ? ctx.serverIds.get(id.slice(PENDING.length))! : id;
}

const PENDING_SERVER: SnapshotServer = {
  id: "",
  orgId: "",
  name: "",
  transport: "streamable-http",
  url: null,
  command: null,
  args: [],
  env: null,
  network: true,
  secrets: null,
  timeoutMs: 1000,
  allowElicitation: true,
  allowSampling: false,
  status: "active",
};
