import type { IncomingMessage } from "node:http";
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from "@modelcontextprotocol/server";
import type { JsonRpcMessage } from "../http/json-rpc";
import type { RequestContext } from "../pipeline/request-context";

export type FastRevision = "2025-11-25" | "2026-07-28";
export type FastMethod = "tools/call" | "tools/list";

/** A request the lean path takes: its revision, method and JSON-RPC id. */
export interface FastRoute {
  revision: FastRevision;
  method: FastMethod;
  id: string | number;
}

/**
 * Says no to the lean path for a request whose endpoint, agent or server uses a feature the
 * lean path does not serve identically (later features register one; see createFastPath).
 * Called after authentication, so `rc.identity` and `rc.snapshot` are set.
 */
export type FastPathOptOut = (rc: RequestContext, message: JsonRpcMessage) => boolean;

const ENVELOPE_KEYS = new Set([
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
]);
const MESSAGE_KEYS = new Set(["jsonrpc", "id", "method", "params"]);
const CALL_PARAM_KEYS = new Set(["name", "arguments", "_meta"]);
const LIST_PARAM_KEYS = new Set(["_meta"]);
const CLIENT_INFO_KEYS = new Set(["name", "version", "title"]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

function acceptsBoth(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return (
    typeof accept === "string" && accept.includes("application/json") && accept.includes("text/event-stream")
  );
}

/** The 2026-07-28 envelope exactly as SDK clients send it: version, client info, capabilities. */
function plainModernEnvelope(meta: Record<string, unknown>): boolean {
  if (!onlyKeys(meta, ENVELOPE_KEYS) || meta[PROTOCOL_VERSION_META_KEY] !== "2026-07-28") return false;
  const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
  if (!isPlainObject(capabilities) || !Object.values(capabilities).every(isPlainObject)) return false;
  const info = meta[CLIENT_INFO_META_KEY];
  if (info === undefined) return true;
  return (
    isPlainObject(info) &&
    onlyKeys(info, CLIENT_INFO_KEYS) &&
    typeof info.name === "string" &&
    typeof info.version === "string" &&
    (info.title === undefined || typeof info.title === "string")
  );
}

/**
 * Whether a parsed, authenticated request is one the lean path serves exactly as the SDK
 * would: a tools/call or tools/list of revision 2025-11-25 (stateless, SSE answer) or
 * 2026-07-28 (JSON answer), in the form SDK clients send, with no progress token, no task,
 * no cursor and nothing else the SDK would act on. Anything else returns null and takes the
 * SDK path; so does everything a later feature opts out of.
 */
export function fastRouteOf(req: IncomingMessage, message: JsonRpcMessage): FastRoute | null {
  const { method, id, params } = message;
  if (method !== "tools/call" && method !== "tools/list") return null;
  if (typeof id !== "string" && typeof id !== "number") return null;
  if (!onlyKeys(message as unknown as Record<string, unknown>, MESSAGE_KEYS) || !acceptsBoth(req))
    return null;
  if (params !== undefined && !isPlainObject(params)) return null;
  const meta = params?._meta;
  if (meta !== undefined && !isPlainObject(meta)) return null;

  if (method === "tools/call") {
    if (!params || !onlyKeys(params, CALL_PARAM_KEYS) || typeof params.name !== "string") return null;
    if (params.arguments !== undefined && !isPlainObject(params.arguments)) return null;
  } else if (params && !onlyKeys(params, LIST_PARAM_KEYS)) return null;

  const version = req.headers["mcp-protocol-version"];
  if (version === "2025-11-25") {
    // Legacy requests carry no envelope; any _meta (a progress token, a trace) goes to the SDK.
    if (meta !== undefined) return null;
    return { revision: "2025-11-25", method, id };
  }
  if (version === "2026-07-28") {
    if (!meta || !plainModernEnvelope(meta)) return null;
    if (req.headers["mcp-method"] !== method) return null;
    if (method === "tools/call" && req.headers["mcp-name"] !== params?.name) return null;
    return { revision: "2026-07-28", method, id };
  }
  return null;
}
