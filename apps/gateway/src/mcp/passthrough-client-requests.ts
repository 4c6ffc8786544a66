import { randomUUID } from "node:crypto";
import type { Transport } from "@modelcontextprotocol/server";
import { ChannelRefusal, REFUSED } from "@portcullis/upstream/call-channel";

interface Pending {
  agentId: string;
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** Ids of our requests to clients start with this (then the process id, a dot, a UUID). */
export const RELAY_ID_PREFIX = "portcullis-";

/** A JSON-RPC response as a client POSTs it. */
export interface ClientResponse {
  id?: string | number | null;
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
}

/**
 * Requests the gateway sends a 2025-revision client during one of its calls (elicitation,
 * sampling, roots), and the answers the client POSTs back.
 *
 * The gateway serves 2025 clients statelessly, one MCP server instance per HTTP request, so
 * the client's answer arrives on a request of its own that no SDK instance is waiting on.
 * The request therefore goes out on the call's response stream with an id minted here
 * (unguessable, never a counter that another instance could also use), and the endpoint
 * hands every POSTed response to `deliver`, which accepts it only from the agent that was
 * asked. The request goes out on the call's own response stream, so it reaches the client
 * from the process running the call; the answer may be POSTed to any replica: the id names
 * this process (`processId`), and passthrough-state.ts forwards the answer here.
 */
export class ClientRequestRelay {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly processId: string | null = null) {}

  /**
   * Sends `method` to the client on the stream of the request `relatedRequestId` is
   * answering, and waits for its answer (at most until `signal` aborts: the call ended).
   */
  request(
    transport: Transport | undefined,
    relatedRequestId: string | number,
    agentId: string,
    method: string,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    if (!transport)
      return Promise.reject(new ChannelRefusal(REFUSED, "the client's request stream is closed"));
    const id = this.processId
      ? `${RELAY_ID_PREFIX}${this.processId}.${randomUUID()}`
      : `${RELAY_ID_PREFIX}${randomUUID()}`;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const done = () => {
        this.pending.delete(id);
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        done();
        reject(new ChannelRefusal(REFUSED, `the client did not answer ${method} before the call ended`));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, {
        agentId,
        resolve: (result) => {
          done();
          resolve(result);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      transport
        .send({ jsonrpc: "2.0", id, method, params } as never, { relatedRequestId })
        .catch((error: unknown) => this.pending.get(id)?.reject(error as Error));
    });
  }

  /** A response POSTed by `agentId`: true when it answered one of our requests to that agent. */
  deliver(agentId: string, message: ClientResponse): boolean {
    if (typeof message.id !== "string") return false;
    const pending = this.pending.get(message.id);
    if (!pending || pending.agentId !== agentId) return false;
    if (message.error) {
      const code = typeof message.error.code === "number" ? message.error.code : -32603;
      const text = typeof message.error.message === "string" ? message.error.message : "the client refused";
      pending.reject(new ChannelRefusal(code, text));
    } else {
      const result = message.result;
      pending.resolve(
        typeof result === "object" && result !== null ? (result as Record<string, unknown>) : {},
      );
    }
    return true;
  }
}

/**
 * 2025 clients cancel with `notifications/cancelled`, which reaches a stateless gateway as a
 * request of its own: the calls in flight are kept here by agent and client request id.
 */
export class CancellableCalls {
  private readonly calls = new Map<string, AbortController>();

  /** Registers a call; the returned function unregisters it. */
  track(agentId: string, requestId: string | number, controller: AbortController): () => void {
    const key = `${agentId} ${typeof requestId} ${requestId}`;
    this.calls.set(key, controller);
    return () => {
      if (this.calls.get(key) === controller) this.calls.delete(key);
    };
  }

  /** Aborts the agent's call with that request id; false when there is none. */
  cancel(agentId: string, requestId: unknown, reason: string): boolean {
    if (typeof requestId !== "string" && typeof requestId !== "number") return false;
    const controller = this.calls.get(`${agentId} ${typeof requestId} ${requestId}`);
    controller?.abort(new Error(reason));
    return controller !== undefined;
  }
}
