/**
 * Exact to clients: what an upstream answered, shaped for the revision the *client*
 * negotiated with the gateway. The upstream may speak any revision (the pool is lenient,
 * see upstream/revision-bridge.ts); the client must get what its own revision defines.
 *
 * The gateway's MCP server SDK encodes the envelope of each era (it adds `resultType` and
 * the cache hints for 2026-07-28 clients, and its own serverInfo). What it does not know is
 * that the body came from another server, so this removes what belongs to the upstream's
 * exchange, and the fields the client's revision does not have.
 */

/** Fields of a result that describe the upstream's exchange, not the gateway's. */
const EXCHANGE_FIELDS = ["resultType", "ttlMs", "cacheScope", "inputRequests", "requestState"] as const;
/** Reserved `_meta` keys that describe the server that answered (the upstream, not us). */
const UPSTREAM_META_KEYS = ["io.modelcontextprotocol/serverInfo"];

/** Revisions in order; a client that sent no version header speaks 2025-03-26 (per that spec). */
const REVISIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28"] as const;
const DEFAULT_REVISION = "2025-03-26";

function rank(revision: string | null): number {
  const index = REVISIONS.indexOf((revision ?? DEFAULT_REVISION) as (typeof REVISIONS)[number]);
  // An unknown revision string is newer than any we know only if it sorts after them.
  return index >= 0 ? index : revision && revision > REVISIONS[REVISIONS.length - 1]! ? REVISIONS.length : 1;
}

/** Whether the client's revision has a feature introduced in `since`. */
export function clientHas(clientRevision: string | null, since: (typeof REVISIONS)[number]): boolean {
  return rank(clientRevision) >= REVISIONS.indexOf(since);
}

type Json = Record<string, unknown>;

/** Whether withoutExchangeFields would change `result`. */
function hasExchangeFields(result: Json): boolean {
  for (const key of EXCHANGE_FIELDS) if (Object.hasOwn(result, key)) return true;
  const meta = result._meta as Json | undefined;
  return !!meta && typeof meta === "object" && UPSTREAM_META_KEYS.some((k) => k in meta);
}

function withoutExchangeFields(result: Json): Json {
  const out: Json = { ...result };
  for (const key of EXCHANGE_FIELDS) delete out[key];
  const meta = out._meta as Json | undefined;
  if (meta && typeof meta === "object" && UPSTREAM_META_KEYS.some((k) => k in meta)) {
    const rest = { ...meta };
    for (const key of UPSTREAM_META_KEYS) delete rest[key];
    if (Object.keys(rest).length > 0) out._meta = rest;
    else delete out._meta;
  }
  return out;
}

/**
 * Content blocks a client of an older revision cannot parse, rendered as text: resource
 * links (2025-06-18) and audio (2025-03-26).
 */
function downgradeContent(content: unknown, clientRevision: string | null): unknown {
  if (!Array.isArray(content)) return content;
  return content.map((block: Json) => {
    if (block?.type === "resource_link" && !clientHas(clientRevision, "2025-06-18"))
      return {
        type: "text",
        text: `resource: ${String(block.uri)}${block.name ? ` (${String(block.name)})` : ""}`,
      };
    if (block?.type === "audio" && !clientHas(clientRevision, "2025-03-26"))
      return { type: "text", text: `[audio content, ${String(block.mimeType)}]` };
    return block;
  });
}

/** A tools/call result from any upstream revision, as the client's revision defines it. */
export function callResultForClient<T extends object>(result: T, clientRevision: string | null): T {
  const out = withoutExchangeFields(result as Json);
  const hasText = Array.isArray(out.content) && out.content.some((b: Json) => b?.type === "text");
  if (Array.isArray(out.content)) out.content = downgradeContent(out.content, clientRevision);
  if ("structuredContent" in out && !clientHas(clientRevision, "2025-06-18")) {
    // Structured results arrived in 2025-06-18; older clients read only the content, which
    // must then carry the value (servers SHOULD include it, but not all do).
    if (!hasText)
      out.content = [
        ...((out.content as unknown[]) ?? []),
        { type: "text", text: JSON.stringify(out.structuredContent) },
      ];
    delete out.structuredContent;
  }
  return out as T;
}

/**
 * Whether callResultForClient would change a result for this client. The common answer (a
 * client of 2025-06-18 or later, nothing of the upstream's exchange in the result) is
 * exact already: the lean path, whose result is its own call's, then skips the copy.
 */
export function callResultNeedsBridge(result: object, clientRevision: string | null): boolean {
  return !clientHas(clientRevision, "2025-06-18") || hasExchangeFields(result as Json);
}

/** A resources/read or prompts/get result from any upstream revision, for the client's revision. */
export function itemResultForClient<T extends object>(result: T, clientRevision: string | null): T {
  const out = withoutExchangeFields(result as Json);
  if (Array.isArray(out.messages)) {
    out.messages = (out.messages as Json[]).map((m) =>
      m && typeof m === "object" && m.content && typeof m.content === "object" && !Array.isArray(m.content)
        ? { ...m, content: (downgradeContent([m.content], clientRevision) as Json[])[0] }
        : m,
    );
  }
  return out as T;
}
