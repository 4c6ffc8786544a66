import { type SnapshotTool, snapshotTool } from "@portcullis/contracts/snapshot";
import { canonicalJson } from "../canonical-json";
import type { Tx } from "../db";
import { snapshotToolOf } from "./compile-snapshot";

/** One tool as a published snapshot carries it, parsed and encoded (canonical JSON) once. */
export interface CompiledTool {
  tool: SnapshotTool;
  json: string;
}

/** The version of row `t` (see compileToolsReusing): changes whenever the row is written. */
export const ROW_VERSION_SQL = "t.xmin::text || ':' || t.ctid::text";

/**
 * Tools compiled by earlier publishes, each under the version of the row it came from.
 * Kept per database client by the publisher (one per console, worker or CLI process).
 */
export type ToolCache = Map<string, CompiledTool & { fingerprint: string }>;

/**
 * Every tool of the installation compiled for a snapshot, in id order, reusing what an
 * earlier publish compiled from the same row version. Tools are most of a snapshot (their
 * schemas and descriptions), and a change touches a handful of them at most: only rows
 * whose version moved are read, decoded, validated and encoded again.
 *
 * A row's version is `xmin:ctid` (ROW_VERSION_SQL): Postgres writes a new tuple, with the
 * writing transaction's id as xmin, for every INSERT and UPDATE by any path (raw SQL and
 * no-op updates included), the same device Npgsql and EF Core use as a row-version token.
 * It is read without touching the row's content: hashing each row's text instead cost
 * Postgres about 35 ms per publish at 1,000 tools, reading the versions about 1 ms.
 *
 * Under READ COMMITTED a row may change between the two queries; the entry then holds a
 * newer row than its version, which the next publish sees as changed and reads again.
 * The result always equals `compileSnapshot`'s tools (compile-for-publish.test.ts checks it).
 */
export async function compileToolsReusing(db: Tx, cache: ToolCache): Promise<CompiledTool[]> {
  const prints = await db.$queryRawUnsafe<Array<{ id: string; fingerprint: string }>>(
    `SELECT t.id, ${ROW_VERSION_SQL} AS fingerprint FROM tools t ORDER BY t.id`,
  );
  const stale = prints.filter((p) => cache.get(p.id)?.fingerprint !== p.fingerprint);
  if (stale.length > 0) {
    const rows = await db.tool.findMany({ where: { id: { in: stale.map((p) => p.id) } } });
    const fingerprintOf = new Map(stale.map((p) => [p.id, p.fingerprint]));
    for (const row of rows) {
      const tool = snapshotTool.parse(snapshotToolOf(row));
      cache.set(row.id, { tool, json: canonicalJson(tool), fingerprint: fingerprintOf.get(row.id) ?? "" });
    }
    // Deleted between the two queries: left out, as a full compile would.
    const read = new Set(rows.map((r) => r.id));
    for (const p of stale) if (!read.has(p.id)) cache.delete(p.id);
  }
  const present = new Set(prints.map((p) => p.id));
  for (const id of cache.keys()) if (!present.has(id)) cache.delete(id);
  return prints.flatMap((p) => {
    const entry = cache.get(p.id);
    return entry === undefined ? [] : [entry];
  });
}
