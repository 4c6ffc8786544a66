import type { PortalExposure, PortalNaming, SnapshotPortal } from "@portcullis/contracts/portal";
import { portalExposure, portalNaming, snapshotPortal } from "@portcullis/contracts/portal";
import type { Portal } from "@portcullis/db/client";

/** A portal's settings as stored: servers by id, the shapes of the snapshot (contracts/portal.ts). */
export interface StoredPortalValues {
  description: string | null;
  naming: PortalNaming;
  exposure: PortalExposure;
  tools: SnapshotPortal["tools"];
  overrides: SnapshotPortal["overrides"];
}

const storedTools = snapshotPortal.shape.tools;
const storedOverrides = snapshotPortal.shape.overrides;

/**
 * A portal row's JSON columns read back through the snapshot's schema. A row that does not
 * parse (written by hand) reads as selecting nothing, so it narrows to nothing rather than
 * failing the whole snapshot.
 */
export function storedPortalValues(row: Portal): StoredPortalValues {
  return {
    description: row.description,
    naming: portalNaming.catch("prefixed").parse(row.naming),
    exposure: portalExposure.catch("full").parse(row.exposure),
    tools: storedTools.catch([]).parse(row.tools),
    overrides: storedOverrides.catch([]).parse(row.overrides),
  };
}

/** The portal as the snapshot carries it. */
export function snapshotPortalOf(row: Portal): SnapshotPortal {
  const values = storedPortalValues(row);
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    naming: values.naming,
    exposure: values.exposure,
    tools: values.tools,
    overrides: values.overrides,
  };
}
