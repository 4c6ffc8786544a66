import type { JSONRPCMessage, MessageExtraInfo, Transport } from "@modelcontextprotocol/client";
import type { UpstreamProgress } from "./types";

const TOKEN_PREFIX = "portcullis-progress-";

/**
 * Delivers `notifications/progress` for our own progress tokens, straight from the
 * transport.
 *
 * Why not the SDK's `onprogress`: the SDK dispatches notifications on a later microtask but
 * handles responses at once, and it forgets a request's progress callback as soon as the
 * response arrives. Progress sent right before the result (same chunk, same tick) is then
 * dropped. Reading our tokens off the transport first keeps every update, in order.
 */
export class ProgressRelay {
  private readonly handlers = new Map<string, (progress: UpstreamProgress) => void>();
  private nextId = 0;

  /** Wraps the transport's message handler (call after `client.connect`, which installs it). */
  attach(transport: Transport): void {
    const sdkHandler = transport.onmessage;
    const relay = (message: JSONRPCMessage, extra?: MessageExtraInfo): void => {
      if (!this.deliver(message)) sdkHandler?.(message, extra);
    };
    transport.onmessage = relay as Transport["onmessage"];
  }

  /** A fresh progress token routed to `onProgress` until `dispose()`. */
  register(onProgress: (progress: UpstreamProgress) => void): { token: string; dispose(): void } {
    const token = `${TOKEN_PREFIX}${this.nextId++}`;
    this.handlers.set(token, onProgress);
    return { token, dispose: () => this.handlers.delete(token) };
  }

  /** True when the message was one of our progress notifications (delivered or stale). */
  private deliver(message: JSONRPCMessage): boolean {
    if (!("method" in message) || "id" in message || message.method !== "notifications/progress")
      return false;
    const params = (message.params ?? {}) as {
      progressToken?: unknown;
      progress?: unknown;
      total?: unknown;
      message?: unknown;
    };
    const token = params.progressToken;
    if (typeof token !== "string" || !token.startsWith(TOKEN_PREFIX)) return false;
    const handler = this.handlers.get(token);
    if (handler && typeof params.progress === "number") {
      handler({
        progress: params.progress,
        ...(typeof params.total === "number" ? { total: params.total } : {}),
        ...(typeof params.message === "string" ? { message: params.message } : {}),
      });
    }
    return true;
  }
}
