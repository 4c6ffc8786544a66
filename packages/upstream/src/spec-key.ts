import { createHash } from "node:crypto";
import type { UpstreamSpec } from "./types";

/**
 * The pool key of a spec: its id plus a hash of what shapes the connection (transport, URL,
 * command, args, env, headers), so a changed URL or rotated credential gets a fresh
 * connection while an unchanged spec shares the old one. The name and the timeout are left
 * out: they apply per request and need no reconnect. Hashed, not embedded, because headers
 * and env carry secrets.
 */
export function specKey(spec: UpstreamSpec): string {
  let key = keys.get(spec);
  if (key === undefined) {
    key = computeKey(spec);
    keys.set(spec, key);
  }
  return key;
}

/**
 * Keys of spec objects already seen: the gateway passes the same (never mutated) spec object
 * of a snapshot on every call, and hashing it each time was measurable on the hot path.
 */
const keys = new WeakMap<UpstreamSpec, string>();

function computeKey(spec: UpstreamSpec): string {
  const canonical = JSON.stringify([
    spec.transport,
    spec.url ?? null,
    spec.command ?? null,
    spec.args ?? [],
    spec.network ?? true,
    sortedEntries(spec.env),
    sortedEntries(spec.headers),
  ]);
  return `${spec.id}#${createHash("sha256").update(canonical).digest("base64url").slice(0, 22)}`;
}

function sortedEntries(record: Record<string, string> | null | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
