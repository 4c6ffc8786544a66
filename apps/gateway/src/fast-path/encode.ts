import { ProtocolError, SERVER_INFO_META_KEY } from "@modelcontextprotocol/server";
import type { FastRoute } from "./eligibility";

/**
 * The bytes the SDK writes for a tools/call or tools/list answer, for the shapes the lean
 * path encodes itself (the differential test holds the two to the same bytes). Anything
 * else returns null and is replayed through the SDK (replay.ts).
 */

const SSE_HEADERS = {
  "cache-control": "no-cache, no-transform",
  "content-type": "text/event-stream",
  "x-accel-buffering": "no",
};
const JSON_HEADERS = { "content-type": "application/json" };

export interface Encoded {
  headers: Record<string, string>;
  body: string;
}

/** Frames a JSON-RPC message as the SDK answers each revision: JSON (2026) or one SSE event (2025). */
export function frame(route: FastRoute, json: string): Encoded {
  return route.revision === "2026-07-28"
    ? { headers: JSON_HEADERS, body: json }
    : { headers: SSE_HEADERS, body: `event: message\ndata: ${json}\n\n` };
}

/** A success response around an already encoded result (the SDK puts `result` first). */
export function resultMessage(route: FastRoute, resultJson: string): string {
  return `{"result":${resultJson},"jsonrpc":"2.0","id":${JSON.stringify(route.id)}}`;
}

function isTextContent(item: unknown): boolean {
  if (typeof item !== "object" || item === null) return false;
  const keys = Object.keys(item);
  return (
    keys.length === 2 &&
    keys[0] === "type" &&
    keys[1] === "text" &&
    (item as { type: unknown }).type === "text" &&
    typeof (item as { text: unknown }).text === "string"
  );
}

const CALL_RESULT_KEYS = new Set(["content", "isError", "_meta"]);

/**
 * The result JSON of a tools/call whose result is text content (with isError, _meta or
 * neither), the common case; null for any other shape (structured content, images…).
 * On 2026-07-28 it follows the SDK's encode contract for tools/call: `resultType` stamped
 * after the result's own fields, the gateway's serverInfo added to `_meta` unless the
 * result's `_meta` already names one (a 2026-era upstream's does).
 */
export function encodeCallResult(
  route: FastRoute,
  result: Record<string, unknown>,
  serverInfo: { name: string; version: string },
): string | null {
  for (const key in result) if (!CALL_RESULT_KEYS.has(key)) return null;
  const { content, isError, _meta: meta } = result;
  if (!Array.isArray(content) || !content.every(isTextContent)) return null;
  if (isError !== undefined && typeof isError !== "boolean") return null;
  if (meta !== undefined && (typeof meta !== "object" || meta === null || Array.isArray(meta))) return null;
  if (route.revision === "2025-11-25") return JSON.stringify(result);
  const stamped: Record<string, unknown> = { ...result, resultType: "complete" };
  if (meta === undefined) stamped._meta = { [SERVER_INFO_META_KEY]: serverInfo };
  else if ((meta as Record<string, unknown>)[SERVER_INFO_META_KEY] === undefined)
    stamped._meta = { ...meta, [SERVER_INFO_META_KEY]: serverInfo };
  return JSON.stringify(stamped);
}

/** A JSON-RPC error response as the SDK writes it (it reports -32002 as -32602 on both revisions). */
export function errorMessage(route: FastRoute, error: ProtocolError): string {
  const code = error.code === -32002 ? -32602 : error.code;
  const body: Record<string, unknown> = { code, message: error.message };
  if (error.data !== undefined) body.data = error.data;
  return JSON.stringify({ jsonrpc: "2.0", id: route.id, error: body });
}

export { ProtocolError };
