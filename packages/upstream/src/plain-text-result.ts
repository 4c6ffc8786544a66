import type { CallToolResult } from "@modelcontextprotocol/client";

/**
 * The most common tools/call answer — text blocks and perhaps `isError`, nothing else — taken
 * as it is instead of through the SDK's CallToolResult schema, which was a measurable part of
 * the lean call's cost. Only values on which the schema would give back an equal object, with
 * keys in the same order, qualify (plain-text-result.test.ts holds the two side by side):
 * `{ content: [{ type: "text", text }…], isError? }` with exactly those keys, in that order.
 * Anything else (other blocks, annotations, `_meta`, structured content) returns null and
 * the caller runs the schema.
 */
export function plainTextResult(value: unknown): CallToolResult | null {
  if (!isPlainObject(value)) return null;
  let keys = 0;
  for (const key in value) {
    // Key order matters: the schema writes `content` before `isError`.
    if (keys === 0 ? key !== "content" : keys > 1 || key !== "isError") return null;
    keys++;
  }
  if (keys === 2 && typeof value.isError !== "boolean") return null;
  const content = value.content;
  if (!Array.isArray(content)) return null;
  for (const block of content) {
    if (!isPlainObject(block)) return null;
    let i = 0;
    for (const key in block) {
      if (key !== (i === 0 ? "type" : i === 1 ? "text" : "")) return null;
      i++;
    }
    if (i !== 2 || block.type !== "text" || typeof block.text !== "string") return null;
  }
  return value as CallToolResult;
}

/** An object as JSON.parse makes them: no prototype tricks, no accessors to run. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}
