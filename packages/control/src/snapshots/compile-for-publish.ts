import { createHash } from "node:crypto";
import { configSnapshot } from "@portcullis/contracts/snapshot";
import { canonicalJson } from "../canonical-json";
import type { Tx } from "../db";
import { compileSnapshotInput } from "./compile-snapshot";
import { compileToolsReusing, type ToolCache } from "./compiled-tools";

/** A snapshot ready to store and send: its canonical JSON (encoded once) and that text's SHA-256. */
export interface EncodedSnapshot {
  json: string;
  hash: string;
}

/**
 * Compiles the whole installation as `compileSnapshot` does and encodes it, byte for byte
 * what `canonicalJson(compileSnapshot(db, version))` gives, at the cost of what changed:
 * the tools come from `cache` where their rows are unchanged (compiled-tools.ts), already
 * validated and encoded, and the rest (small tables) is compiled afresh. The document is
 * never re-serialized: Postgres, the hash and Redis all take this one text.
 */
export async function compileForPublish(
  db: Tx,
  version: number,
  cache: ToolCache,
  now = new Date(),
): Promise<EncodedSnapshot> {
  const tools = await compileToolsReusing(db, cache);
  // Validated without its tools (each was validated alone, and the document's schema has
  // no rule across lists), so a failure still names its cause before anything is stored.
  const rest = configSnapshot.parse({ ...(await compileSnapshotInput(db, version, {}, now)), tools: [] });
  const toolsJson = `[${tools.map((t) => t.json).join(",")}]`;
  // canonicalJson of the document: top-level keys sorted, the tools' text spliced in.
  const members = Object.keys(rest)
    .sort()
    .map((key) => {
      const value = key === "tools" ? toolsJson : canonicalJson(rest[key as keyof typeof rest]);
      return `${JSON.stringify(key)}:${value}`;
    });
  const json = `{${members.join(",")}}`;
  return { json, hash: createHash("sha256").update(json, "utf8").digest("hex") };
}
