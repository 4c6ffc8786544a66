import type { CallContext } from "../pipeline/request-context";
import type { LogLevel } from "./passthrough-channel";
import { CancellableCalls, ClientRequestRelay, type ClientResponse } from "./passthrough-client-requests";
import { SuspendedCalls } from "./passthrough-input-rounds";
import type { ResourceSubscriptions } from "./passthrough-subscriptions";

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
  /** Set by the server factory, which owns the catalog the subscriptions are decided on. */
  subscriptions?: ResourceSubscriptions;
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
 * A 2026-07-28 `subscriptions/listen` keeps only the resource URIs the agent may read (the
 * SDK's acknowledgement then tells the client what was kept), and those are watched upstream.
 * Changes the message in place, before the SDK serves it.
 */
export async function admitListen(
  state: PassthroughState,
  ctx: CallContext,
  message: { method?: string; params?: Record<string, unknown> },
): Promise<void> {
  if (message.method !== "subscriptions/listen" || !state.subscriptions) return;
  const filter = message.params?.notifications as { resourceSubscriptions?: unknown } | undefined;
  if (!filter || !Array.isArray(filter.resourceSubscriptions)) return;
  const requested = filter.resourceSubscriptions.filter((u): u is string => typeof u === "string");
  filter.resourceSubscriptions = await state.subscriptions.admit(ctx, requested);
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
