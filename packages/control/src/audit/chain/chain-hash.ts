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

type ColumnKind = "text" | "integer" | "boolean" | "float" | "timestamp" | "json";

/**
 * The columns an event's digest covers, in a fixed order, with how each is written.
 * Changing this list changes every digest and breaks verification of stored chains:
 * introduce a new chain version instead. (search_vector is derived from these columns;
 * prev_hash and hash are the chain itself.)
 */
const DIGEST_COLUMNS: ReadonlyArray<readonly [string, ColumnKind]> = [
  ["id", "text"],
  ["org_id", "text"],
  ["chain_seq", "integer"],
  ["occurred_at", "timestamp"],
  ["ingested_at", "timestamp"],
  ["request_id", "text"],
  ["method", "text"],
  ["agent_id", "text"],
  ["agent_name", "text"],
  ["team_id", "text"],
  ["user_id", "text"],
  ["server_id", "text"],
  ["server_name", "text"],
  ["tool_name", "text"],
  ["decision", "text"],
  ["reason", "text"],
  ["error_code", "integer"],
  ["arguments", "json"],
  ["result_summary", "text"],
  ["is_error", "boolean"],
  ["latency_ms", "float"],
  ["upstream_latency_ms", "float"],
  ["upstream_status", "text"],
  ["protocol_version", "text"],
  ["dlp", "json"],
  ["approval_id", "text"],
  ["snapshot_version", "integer"],
];

/**
 * Columns added after chain version 1, hashed only when set: `concat_ws` skips a NULL, so
 * every event stored before they existed (and every event that leaves them empty) keeps
 * the digest it was chained with, and an event that sets one has it covered.
 */
const OPTIONAL_DIGEST_COLUMNS: ReadonlyArray<string> = ["portal", "parent_id", "key_id"];

/**
 * One column, written so that the whole row reads back unambiguously and the same way
 * whatever the session's settings (DateStyle, extra_float_digits, TimeZone): text with its
 * length in front, floats as their IEEE 754 bytes, timestamps in a fixed pattern, jsonb in
 * its canonical text (self-delimiting), NULL as `~`. Several times cheaper than building
 * a jsonb array of the row, which matters when a million events are verified.
 */
function encodeColumn(alias: string, column: string, kind: ColumnKind): string {
  const c = `${alias}."${column}"`;
  switch (kind) {
    case "text":
      return `coalesce(length(${c}) || ':' || ${c}, '~')`;
    case "integer":
    case "boolean":
      return `coalesce(${c}::text, '~')`;
    case "float":
      return `coalesce(encode(float8send(${c}), 'hex'), '~')`;
    case "timestamp":
      return `coalesce(to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.MS'), '~')`;
    case "json":
      return `coalesce(${c}::text, '~')`;
  }
}

/**
 * SQL for the hex digest of the audit_events row `alias` (chain version 1). `portal`,
 * `parent_id` and `key_id` came later: each is covered when set, and rows without them
 * hash as they always did.
 */
export function eventDigestSql(alias: string): Prisma.Sql {
  const fields = [
    ...DIGEST_COLUMNS.map(([column, kind]) => encodeColumn(alias, column, kind)),
    ...OPTIONAL_DIGEST_COLUMNS.map(
      (column) => `'${column}:' || length(${alias}."${column}") || ':' || ${alias}."${column}"`,
    ),
  ].join(", ");
  return Prisma.raw(`encode(sha256(convert_to(concat_ws('|', 'v1', ${fields}), 'UTF8')), 'hex')`);
}

/**
 * SQL for the link hash of `prevHash` (text, may be null: the chain's first event) and
 * `digest`. The ingest links a batch with the `audit_chain_link(tail, digest)` window
 * aggregate (migration 20261204100000), whose step is this same expression.
 */
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
 * SQL for the key of a chain's transaction-scoped advisory lock, from the SQL text (may be
 * null: the chain of orphans) of its organization id. Two organizations hashing to the
 * same lock merely wait for each other; they never share a chain.
 */
export function chainLockKeySql(orgIdSql: string): string {
  return `'portcullis.audit_chain:' || coalesce(${orgIdSql}, '')`;
}
