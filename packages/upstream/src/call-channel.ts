import type { JSONRPCMessage, MessageExtraInfo, Transport } from "@modelcontextprotocol/client";
import { RELATED_REQUEST_META_KEY } from "./related-stream";

/** The requests an upstream may send its client while a call runs. */
export type ClientRequestMethod = "elicitation/create" | "sampling/createMessage" | "roots/list";
const CLIENT_REQUEST_METHODS: ReadonlySet<string> = new Set([
  "elicitation/create",
  "sampling/createMessage",
  "roots/list",
]);

/**
 * What the caller of one tools/call offers the upstream while the call runs: where its log
 * messages go, and who answers its requests to the client (the gateway relays both to the
 * agent's client, under policy). Absent handlers: logs are dropped, requests refused.
 */
export interface CallChannel {
  /** The least severity the client wants (sent to 2026-07-28 upstreams in the call's envelope). */
  logLevel?: string;
  /** A `notifications/message` the upstream sent during the call (params as sent). */
  onLog?(params: Record<string, unknown>): void;
  /**
   * A request from the upstream to its client. Resolves with the client's result; rejects
   * with a ChannelRefusal (sent upstream as that JSON-RPC error) or any Error (-32603).
   */
  onRequest?(method: ClientRequestMethod, params: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A refusal the upstream gets as a JSON-RPC error with this code and message. */
export class ChannelRefusal extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "ChannelRefusal";
  }
}

/** JSON-RPC "invalid request": nothing may answer this request (no call to relay it to, or refused). */
export const REFUSED = -32600;

/**
 * Routes what an upstream sends during a call to that call's channel. A message is
 * attributed by the stream it came on (Streamable HTTP, see related-stream.ts); on
 * transports without per-request streams (stdio, HTTP+SSE) only while exactly one call with
 * a channel runs on the connection, because the connection is shared by every agent and a
 * guess could hand one agent's elicitation to another. Unattributable requests are refused.
 */
export class CallChannels {
  private readonly byToken = new Map<string, CallChannel>();
  private readonly byRequestId = new Map<string | number, CallChannel>();

  /** Wraps the transport (after `client.connect`); `respond` sends our answer upstream. */
  attach(transport: Transport): void {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      this.learn(message);
      return send(message, options);
    };
    const sdkHandler = transport.onmessage;
    transport.onmessage = ((message: JSONRPCMessage, extra?: MessageExtraInfo) => {
      if (!this.route(message, send)) sdkHandler?.(message, extra);
    }) as Transport["onmessage"];
  }

  /** Opens the channel of one call, known upstream by its progress token. */
  open(token: string, channel: CallChannel): () => void {
    this.byToken.set(token, channel);
    return () => {
      this.byToken.delete(token);
      for (const [id, c] of this.byRequestId) if (c === channel) this.byRequestId.delete(id);
    };
  }

  /**
   * A tools/call leaving with one of our progress tokens: its id now names the channel. So
   * does a tasks/result with one (a task-only tool's call: the server's requests come on it).
   */
  private learn(message: JSONRPCMessage): void {
    if (!("method" in message) || !("id" in message)) return;
    if (message.method !== "tools/call" && message.method !== "tasks/result") return;
    const token = (message.params?._meta as Record<string, unknown> | undefined)?.progressToken;
    const channel = typeof token === "string" ? this.byToken.get(token) : undefined;
    if (channel) this.byRequestId.set(message.id, channel);
  }

  private channelFor(related: unknown): CallChannel | undefined {
    if (typeof related === "string" || typeof related === "number") return this.byRequestId.get(related);
    return this.byToken.size === 1 ? this.byToken.values().next().value : undefined;
  }

  /** True when the message was handled here (a log or a client request), false to pass it on. */
  private route(message: JSONRPCMessage, send: Transport["send"]): boolean {
    if (!("method" in message)) return false;
    const meta = message.params?._meta as Record<string, unknown> | undefined;
    const related = meta?.[RELATED_REQUEST_META_KEY];
    if (meta && related !== undefined) delete meta[RELATED_REQUEST_META_KEY];
    const isRequest = "id" in message && message.id !== undefined;
    if (!isRequest && message.method === "notifications/message") {
      this.channelFor(related)?.onLog?.((message.params ?? {}) as Record<string, unknown>);
      return true;
    }
    if (!isRequest || !CLIENT_REQUEST_METHODS.has(message.method)) return false;
    this.respond(this.channelFor(related), message as { method: string; id: string | number }, send);
    return true;
  }

  /**
   * Handles what a call's own stream carries besides its answer, for a call whose channel is
   * known (the lean call, lean-call.ts): logs to the channel, client requests answered by it
   * (the answer sent with `send`). False: not one of those; the SDK client handles it.
   */
  handleForCall(channel: CallChannel | undefined, message: JSONRPCMessage, send: Transport["send"]): boolean {
    if (!("method" in message)) return false;
    const isRequest = "id" in message && message.id !== undefined;
    if (!isRequest && message.method === "notifications/message") {
      channel?.onLog?.((message.params ?? {}) as Record<string, unknown>);
      return true;
    }
    if (!isRequest || !CLIENT_REQUEST_METHODS.has(message.method)) return false;
    this.respond(channel, message as { method: string; id: string | number }, send);
    return true;
  }

  private respond(
    channel: CallChannel | undefined,
    message: { method: string; id: string | number; params?: unknown },
    send: Transport["send"],
  ): void {
    const id = message.id;
    const params = (message.params ?? {}) as Record<string, unknown>;
    void this.answer(channel, message.method as ClientRequestMethod, params)
      .then(
        (result) => send({ jsonrpc: "2.0", id, result } as JSONRPCMessage),
        (error: unknown) => {
          const code = error instanceof ChannelRefusal ? error.code : -32603;
          const text = error instanceof Error ? error.message : "the client request failed";
          return send({ jsonrpc: "2.0", id, error: { code, message: text } } as JSONRPCMessage);
        },
      )
      .catch(() => {});
  }

  /** Fulfils one client request (server→client on 2025, an embedded input request on 2026). */
  answer(
    channel: CallChannel | undefined,
    method: ClientRequestMethod,
    params: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    if (!channel?.onRequest)
      return Promise.reject(
        new ChannelRefusal(
          REFUSED,
          `Portcullis relays ${method} only during a tools/call it can attribute to one client; this request has none`,
        ),
      );
    return channel.onRequest(method, params);
  }
}
