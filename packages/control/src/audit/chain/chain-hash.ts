import { createHash } from "node:crypto";
import { Prisma } from "@portcullis/db/client";

/*
 * Each stored audit event carries `hash = sha256(prevHash + digest)`, where `digest` is
 * the SHA-256 of the event's own columns and `prevHash` the hash of the event before it
 * in its chain (one chain per organization, one for events without organization).
 *
 * The digest is computed by Postgres, from the very column values it stores, both when an
 * event is ingested and when the chain is verified: no JavaScript re-serialization of
 * timestamps, floats or JSON that could drift from what the database holds. The link is
 * hashed in JavaScript at ingest (it is sequential) and in SQL when verifying; both hash
 * the same ASCII text, so they agree byte for byte.
 */

/**
 * The columns an event's digest covers, in a fixed order. Adding a column here changes
 * every digest and breaks verification of stored chains: append a chain version instead.
 * (search_vector is derived from these; prev_hash and hash are the chain itself.)
 */
const DIGEST_COLUMNS = [
  "id",
  "org_id",
  "chain_seq",
  "occurred_at",
  "ingested_at",
  "request_id",
  "method",
  "agent_id",
  "agent_name",
  "team_id",
  "user_id",
  "server_id",
  "server_name",
  "tool_name",
  "decision",
  "reason",
  "error_code",
  "arguments",
  "result_summary",
  "is_error",
  "latency_ms",
  "upstream_latency_ms",
  "upstream_status",
  "protocol_version",
  "dlp",
  "approval_id",
  "snapshot_version",
] as const;

/**
 * SQL for the hex digest of the audit_events row `alias`. jsonb renders every type
 * independently of session settings (DateStyle, extra_float_digits, time zone), so the
 * same stored row always yields the same text.
 */
export function eventDigestSql(alias: string): Prisma.Sql {
  const columns = DIGEST_COLUMNS.map((column) => `${alias}."${column}"`).join(", ");
  return Prisma.raw(`encode(sha256(convert_to(jsonb_build_array(${columns})::text, 'UTF8')), 'hex')`);
}

/** SQL for the link hash of `prevHash` (text, may be null: the chain's first event) and `digest`. */
export function linkHashSql(prevHash: Prisma.Sql, digest: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`encode(sha256(convert_to(coalesce(${prevHash}, '') || ${digest}, 'UTF8')), 'hex')`;
}

/** The link hash in JavaScript; equal to `linkHashSql` for the same inputs. */
export function linkHash(prevHash: string | null, digest: string): string {
  return createHash("sha256")
    .update(prevHash ?? "")
    .update(digest)
    .digest("hex");
}

/**
 * The key of a chain's transaction-scoped advisory lock. Two organizations hashing to the
 * same key merely wait for each other; they never share a chain.
 */
export function chainLockKey(orgId: string | null): string {
  return `portcullis.audit_chain:${orgId ?? ""}`;
}
