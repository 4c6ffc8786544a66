import { canonicalJson } from "../../canonical-json";

/** One difference between two JSON values, at a path like `properties.path.description` or `required[1]`. */
export interface JsonChange {
  path: string;
  kind: "added" | "removed" | "changed";
  /** The approved value (absent when added). */
  before?: unknown;
  /** The current value (absent when removed). */
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Structural differences between `before` and `after`, leaves first reported where they
 * differ: objects by key (sorted), arrays by position. Key order never counts as a change
 * (it does not change the definition's hash either).
 */
export function diffJson(before: unknown, after: unknown, path = ""): JsonChange[] {
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return [{ path: path || "(root)", kind: "added", after }];
  if (after === undefined) return [{ path: path || "(root)", kind: "removed", before }];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffJson(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => diffJson(before[i], after[i], `${path}[${i}]`)).flat();
  }
  return canonicalJson(before) === canonicalJson(after)
    ? []
    : [{ path: path || "(root)", kind: "changed", before, after }];
}
