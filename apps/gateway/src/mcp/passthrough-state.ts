import type { LogLevel } from "./passthrough-channel";
import { CancellableCalls, ClientRequestRelay, type ClientResponse } from "./passthrough-client-requests";
import { SuspendedCalls } from "./passthrough-input-rounds";

/**
 * What the gateway keeps between a client's HTTP requests so the protocol's conversations
 * work over stateless serving: requests to 2025 clients awaiting their answers, calls a 2025
 * client may cancel, 2026-07-28 calls waiting for a retry with input, and 2025 clients' log
 * levels. In this process only (sessions across replicas are issue 9 point 4).
 */
export interface PassthroughState {
  relay: ClientRequestRelay;
  cancellable: CancellableCalls;
  suspended: SuspendedCalls;
  logLevels: Map<string, LogLevel>;
}

export function createPassthroughState(): PassthroughState {
  return {
    relay: new ClientRequestRelay(),
    cancellable: new CancellableCalls(),
    suspended: new SuspendedCalls(),
    logLevels: new Map(),
  };
}

/**
 * Messages from a client that answer or cancel something in flight rather than ask for
 * anything: a response to one of our requests, or `notifications/cancelled`. True when the
 * message was taken here (the endpoint answers 202 Accepted, as for any notification).
 */
export function takeClientMessage(
  state: PassthroughState,
  agentId: string,
  message: { method?: string; params?: Record<string, unknown> } & ClientResponse,
): boolean {
  if (message.method === undefined) return state.relay.deliver(agentId, message);
  if (message.method === "notifications/cancelled") {
    const reason = message.params?.reason;
    state.cancellable.cancel(
      agentId,
      message.params?.requestId,
      typeof reason === "string" ? `cancelled by the client: ${reason}` : "cancelled by the client",
    );
    return true;
  }
  return false;
}
