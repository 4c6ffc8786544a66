import type { ServerResponse } from "node:http";

export const JSON_RPC_PARSE_ERROR = -32700;
export const JSON_RPC_INVALID_REQUEST = -32600;

export interface JsonRpcMessage {
  jsonrpc: "2.0";
  id?: string | number | null;
  method?: string;
  params?: Record<string, unknown>;
  /** A response (to a request the gateway sent the client) has these instead of a method. */
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
}

/**
 * Checks the envelope before anything else sees it: one JSON-RPC 2.0 request or
 * notification. Batches are refused (removed from MCP in 2025-06-18).
 */
export function checkEnvelope(body: unknown): { message: JsonRpcMessage } | { error: string } {
  if (Array.isArray(body))
    return { error: "JSON-RPC batches are not supported; send one message per request" };
  if (typeof body !== "object" || body === null) return { error: "the body must be a JSON-RPC 2.0 object" };
  const m = body as Record<string, unknown>;
  if (m.jsonrpc !== "2.0") return { error: "missing or wrong 'jsonrpc' member: expected \"2.0\"" };
  // A client answering a request of ours (elicitation, sampling, roots) POSTs a response.
  if (
    m.method === undefined &&
    ("result" in m || "error" in m) &&
    (typeof m.id === "string" || typeof m.id === "number")
  )
    return { message: m as unknown as JsonRpcMessage };
  if (typeof m.method !== "string" || m.method.length === 0)
    return { error: "missing 'method': expected a JSON-RPC request or notification" };
  if ("id" in m && m.id !== null && typeof m.id !== "string" && typeof m.id !== "number") {
    return { error: "'id' must be a string or a number" };
  }
  if (
    "params" in m &&
    m.params !== undefined &&
    (typeof m.params !== "object" || m.params === null || Array.isArray(m.params))
  ) {
    return { error: "'params' must be an object" };
  }
  return { message: m as unknown as JsonRpcMessage };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function jsonRpcError(id: unknown, code: number, message: string, data?: Record<string, unknown>) {
  return { jsonrpc: "2.0", id: id ?? null, error: { code, message, ...(data ? { data } : {}) } };
}
