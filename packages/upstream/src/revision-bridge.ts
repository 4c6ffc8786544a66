import type { JSONRPCMessage, MessageExtraInfo, Transport } from "@modelcontextprotocol/client";
import type { UpstreamLogger } from "./types";

/** Requests awaiting an answer that are remembered (the oldest is forgotten first: a lost answer). */
const MAX_TRACKED = 10_000;

/**
 * The 2026-07-28 results that carry cache hints (`ttlMs`, `cacheScope`). A 2025 result has
 * none; the bridge fills the spec's reading of an absent hint: immediately stale, and
 * private to the caller (never shared across authorization contexts).
 */
const CACHEABLE = new Set([
  "tools/list",
  "prompts/list",
  "resources/list",
  "resources/templates/list",
  "resources/read",
]);

/**
 * Lenient to upstreams: makes results of servers that mix revisions acceptable to the SDK.
 *
 * A server can answer `server/discover` (so the SDK negotiates 2026-07-28, and then requires
 * `resultType` on every result) while the rest of it is a 2025 server whose results have no
 * `resultType` — the conformance suite's own reference server does exactly that. Such a
 * result is valid under the revision the server really speaks, and 2025-11-25 defines a
 * result without `resultType` as complete. So, on a modern-era connection, a result that
 * lacks it is given `resultType: "complete"` before the SDK decodes it, and the first one per
 * connection is logged naming the method, so the operator learns what the server does wrong
 * without every call failing; cacheable results also get the cache hints 2025 results lack.
 * Anything else invalid still fails, with the SDK's own reason.
 */
export class RevisionBridge {
  private readonly methods = new Map<string | number, string>();
  private warned = false;

  constructor(
    private readonly serverName: string,
    private readonly logger: UpstreamLogger,
  ) {}

  /** Wraps the transport's send and message handler (call after `client.connect`). */
  attach(transport: Transport, isModern: () => boolean): void {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if ("method" in message && "id" in message) {
        if (this.methods.size >= MAX_TRACKED) this.methods.delete(this.methods.keys().next().value!);
        this.methods.set(message.id, message.method);
      }
      return send(message, options);
    };
    const sdkHandler = transport.onmessage;
    transport.onmessage = ((message: JSONRPCMessage, extra?: MessageExtraInfo) => {
      sdkHandler?.(isModern() ? this.bridge(message) : message, extra);
    }) as Transport["onmessage"];
  }

  private bridge(message: JSONRPCMessage): JSONRPCMessage {
    if (!("id" in message) || "method" in message || message.id === undefined) return message;
    const method = this.methods.get(message.id);
    this.methods.delete(message.id);
    if (!("result" in message)) return message;
    const bridged = this.bridgeResult(method, message.result);
    return bridged === message.result ? message : ({ ...message, result: bridged } as JSONRPCMessage);
  }

  /**
   * One result of a modern-era connection as the SDK may decode it: unchanged when it has a
   * `resultType` (or is no object), else completed as above. The lean 2026 call
   * (lean-call-2026.ts) reads its answers itself and bridges them here.
   */
  bridgeResult(method: string | undefined, result: unknown): unknown {
    if (typeof result !== "object" || result === null || Array.isArray(result) || "resultType" in result)
      return result;
    if (!this.warned) {
      this.warned = true;
      this.logger.warn(
        { server: this.serverName, method: method ?? "unknown" },
        `upstream '${this.serverName}' negotiated 2026-07-28 but answered ${method ?? "a request"} without the required resultType (a 2025-style result); treating its results as complete`,
      );
    }
    const bridged: Record<string, unknown> = { ...result, resultType: "complete" };
    if (method !== undefined && CACHEABLE.has(method)) {
      bridged.ttlMs ??= 0;
      bridged.cacheScope ??= "private";
    }
    return bridged;
  }
}
