import { type SnapshotTool, snapshotTool } from "@portcullis/contracts/snapshot";
import { canonicalJson } from "../canonical-json";
import type { Tx } from "../db";
import { snapshotToolOf } from "./compile-snapshot";

/** One tool as a published snapshot carries it, parsed and encoded (canonical JSON) once. */
export interface CompiledTool {
  tool: SnapshotTool;
  json: string;
}

/**
 * Tools compiled by earlier publishes, each under the fingerprint of the row it came from.
 * Kept per database client by the publisher (one per console, worker or CLI process).
 */
export type ToolCache = Map<string, CompiledTool & { fingerprint: string }>;

/**
 * Every tool of the installation compiled for a snapshot, in id order, reusing what an
 * earlier publish compiled from an identical row. Tools are most of a snapshot (their
 * schemas and descriptions), and a change touches a handful of them at most: Postgres
 * fingerprints each row (md5 of the whole row's text, so any column written by any path,
 * raw SQL included, counts as a change) and only rows whose fingerprint moved are read,
 * decoded, validated and encoded again.
 *
 * Under READ COMMITTED a row may change between the two queries; the entry then holds a
 * newer row than its fingerprint, which the next publish sees as changed and reads again.
 * The result always equals `compileSnapshot`'s tools (compiled-tools.test.ts checks it).
 */
export async function compileToolsReusing(db: Tx, cache: ToolCache): Promise<CompiledTool[]> {
  const prints = await db.$queryRaw<Array<{ id: string; fingerprint: string }>>`
    SELECT t.id, md5(t::text) AS fingerprint FROM tools t ORDER BY t.id`;
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
