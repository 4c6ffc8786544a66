import { z } from "zod";
import { auditEventSchema } from "./audit";

/** One queue per concern; job names are stable dotted names. */
export const QUEUES = {
  audit: "audit",
} as const;

export const JOBS = {
  auditIngest: "audit.ingest",
} as const;

/** The gateway batches events; one job carries up to a few hundred. */
export const auditIngestPayload = z.object({ events: z.array(auditEventSchema).min(1) });
export type AuditIngestPayload = z.infer<typeof auditIngestPayload>;
