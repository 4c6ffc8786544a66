import type { ConfigPortal } from "@portcullis/contracts/portal";
import type { Tx } from "../db";
import { portalAsWritten } from "./resolve-portal";
import { storedPortalValues } from "./stored-portal";

export interface PortalListing {
  id: string;
  /** As a person writes it (servers by name): the console form's and the apply file's shape. */
  portal: ConfigPortal;
  updatedAt: Date;
}

/** An organization's portals by name, written with server names (what `portals:` in a file says). */
export async function listPortals(db: Tx, orgId: string): Promise<PortalListing[]> {
  const rows = await db.portal.findMany({ where: { orgId }, orderBy: { name: "asc" } });
  const servers = await db.server.findMany({ where: { orgId }, select: { id: true, name: true } });
  const byId = new Map(servers.map((s) => [s.id, s]));
  return rows.map((row) => ({
    id: row.id,
    portal: portalAsWritten(row.name, storedPortalValues(row), byId),
    updatedAt: row.updatedAt,
  }));
}

/**
 * The `portals:` section of a config file for what the organization holds: applying it
 * back changes nothing (the parity test proves it).
 */
export async function exportPortals(db: Tx, orgId: string): Promise<ConfigPortal[]> {
  return (await listPortals(db, orgId)).map((p) => p.portal);
}
