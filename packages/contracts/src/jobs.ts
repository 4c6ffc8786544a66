import { z } from "zod";
import { auditEventSchema } from "./audit";

/** One queue per concern; job names are stable dotted names. */
export const QUEUES = {
  audit: "audit",
  catalog: "catalog",
} as const;

export const JOBS = {
  auditIngest: "audit.ingest",
  catalogSync: "catalog.sync",
} as const;

/** The gateway batches events; one job carries up to a few hundred. */
export const auditIngestPayload = z.object({ events: z.array(auditEventSchema).min(1) });
export type AuditIngestPayload = z.infer<typeof auditIngestPayload>;

/**
 * Re-read one server's tool catalog upstream (the console's "Sync catalog"). The org is
 * carried so a status lookup can refuse another organization's job.
 */
export const catalogSyncPayload = z.object({
  serverId: z.string().min(1),
  orgId: z.string().min(1),
  /** Who asked, for the AdminAuditLog row and the snapshot's `createdBy`. */
  actor: z.object({
    type: z.enum(["cli", "user", "system"]),
    id: z.string().optional(),
    name: z.string().optional(),
  }),
});
export type CatalogSyncPayload = z.infer<typeof catalogSyncPayload>;

/** Progress milestones of a catalog.sync job (BullMQ progress, 0-100). */
export const CATALOG_SYNC_PROGRESS = { connecting: 10, listing: 50, storing: 80, publishing: 100 } as const;

/** What a finished catalog.sync job returns. */
export const catalogSyncResult = z.object({
  added: z.array(z.string()),
  changed: z.array(z.string()),
  removed: z.array(z.string()),
  unchanged: z.number().int(),
  /** The snapshot published because the catalog changed; null when nothing changed. */
  snapshotVersion: z.number().int().nullable(),
});
export type CatalogSyncJobResult = z.infer<typeof catalogSyncResult>;
