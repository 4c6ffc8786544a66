import { createHash } from "node:crypto";
import { configSnapshot, SNAPSHOT_SCHEMA_VERSION } from "@portcullis/contracts/snapshot";
import { canonicalJson } from "../canonical-json";
import type { Tx } from "../db";
import { compileToolsReusing, ROW_VERSION_SQL, type ToolCache } from "./compiled-tools";
import { type PieceKey, SNAPSHOT_PIECES } from "./snapshot-pieces";

/** A snapshot ready to store and send: its canonical JSON (encoded once) and that text's SHA-256. */
export interface EncodedSnapshot {
  json: string;
  hash: string;
}

/** What earlier publishes compiled, reused where its rows did not change (one per process and database). */
export interface PublishCache {
  tools: ToolCache;
  /** Each piece's lists, validated and encoded, under the fingerprint of its tables. */
  pieces: Map<string, { fingerprint: string; members: Array<[PieceKey, string]> }>;
}

export function newPublishCache(): PublishCache {
  return { tools: new Map(), pieces: new Map() };
}

// Every table a cached piece depends on, fingerprinted in one statement (one snapshot of
// them all): md5 of its rows' ids and versions in id order, so an insert, update or delete
// by any path moves it (row versions: see compiled-tools.ts).
const FINGERPRINTED = [...new Set(SNAPSHOT_PIECES.flatMap((p) => p.tables ?? []))];
const FINGERPRINTS_SQL = FINGERPRINTED.map(
  (table) =>
    `SELECT '${table}' AS name, md5(coalesce(string_agg(t.id || '@' || ${ROW_VERSION_SQL}, ',' ORDER BY t.id), '')) AS fingerprint FROM ${table} t`,
).join(" UNION ALL ");

const header = configSnapshot.pick({ schemaVersion: true, version: true, createdAt: true });

/**
 * Compiles the whole installation as `compileSnapshot` does and encodes it, byte for byte
 * what `canonicalJson(compileSnapshot(db, version))` gives, at the cost of what changed:
 * tools whose rows are unchanged (compiled-tools.ts) and pieces (snapshot-pieces.ts) whose
 * tables are unchanged come from `cache`, already validated and encoded; the rest is
 * compiled afresh. The document is never re-serialized: Postgres, the hash and Redis all
 * take this one text. compile-for-publish.test.ts checks the equality after random changes.
 *
 * Under READ COMMITTED a table may change between its fingerprint and its query; the
 * cached piece then holds newer rows than its fingerprint, which the next publish sees as
 * changed and compiles again, so a change is never lost, only compiled twice.
 */
export async function compileForPublish(
  db: Tx,
  version: number,
  cache: PublishCache,
  now = new Date(),
): Promise<EncodedSnapshot> {
  const tools = await compileToolsReusing(db, cache.tools);
  const prints = new Map(
    (await db.$queryRawUnsafe<Array<{ name: string; fingerprint: string }>>(FINGERPRINTS_SQL)).map((r) => [
      r.name,
      r.fingerprint,
    ]),
  );
  const members: Array<[string, string]> = Object.entries(
    header.parse({ schemaVersion: SNAPSHOT_SCHEMA_VERSION, version, createdAt: now.toISOString() }),
  ).map(([key, value]) => [key, canonicalJson(value)]);
  members.push(["tools", `[${tools.map((t) => t.json).join(",")}]`]);
  for (const piece of SNAPSHOT_PIECES) {
    const fingerprint = piece.tables === null ? null : piece.tables.map((t) => prints.get(t)).join(":");
    const cached = cache.pieces.get(piece.name);
    if (fingerprint !== null && cached?.fingerprint === fingerprint) {
      members.push(...cached.members);
      continue;
    }
    // Each list validated alone: the document's schema has no rule across lists, so a
    // failure still names its cause before anything is stored.
    const compiled = Object.entries(await piece.compile(db, { now })).map(
      ([key, value]): [PieceKey, string] => [
        key as PieceKey,
        canonicalJson(configSnapshot.shape[key as PieceKey].parse(value)),
      ],
    );
    if (fingerprint !== null) cache.pieces.set(piece.name, { fingerprint, members: compiled });
    members.push(...compiled);
  }
  // canonicalJson of the document: top-level keys sorted, each member's text spliced in.
  members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const json = `{${members.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(",")}}`;
  return { json, hash: createHash("sha256").update(json, "utf8").digest("hex") };
}
