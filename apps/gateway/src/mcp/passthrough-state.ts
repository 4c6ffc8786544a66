import { AppError } from "@portcullis/contracts/errors";
import type { Logger } from "pino";
import type { CallContext } from "../pipeline/request-context";
import { isLogLevel, type LogLevel } from "./passthrough-channel";
import {
  CancellableCalls,
  ClientRequestRelay,
  type ClientResponse,
  RELAY_ID_PREFIX,
} from "./passthrough-client-requests";
import { SuspendedCalls } from "./passthrough-input-rounds";
import { PassthroughPeers } from "./passthrough-peers";
import { RemoteRounds } from "./passthrough-remote-rounds";
import type { ResourceSubscriptions } from "./passthrough-subscriptions";

/** A 2025 client's log level is remembered this long after it last set one. */
const LOG_LEVELS_TTL_SEC = 24 * 3600;

/**
 * What the gateway keeps between a client's HTTP requests so the protocol's conversations
 * work over stateless serving: requests to 2025 clients awaiting their answers, calls a 2025
 * client may cancel, 2026-07-28 calls waiting for a retry with input, and 2025 clients' log
 * levels. The calls themselves run in one process; with `peers` (every gateway started by
 * start-gateway.ts), what continues them may reach any replica: answers and retries are sent
 * to the process named in their ids, cancellations and log levels to every process.
 */
export interface PassthroughState {
  relay: ClientRequestRelay;
  cancellable: CancellableCalls;
  suspended: SuspendedCalls;
  logLevels: Map<string, LogLevel>;
  /** The other gateway processes of this installation (null: this process only). */
  peers: PassthroughPeers | null;
  /** Retries of 2026-07-28 calls suspended on another process (null without peers). */
  remoteRounds: RemoteRounds | null;
  /** Set by the server factory, which owns the catalog the subscriptions are decided on. */
  subscriptions?: ResourceSubscriptions;
}

export function createPassthroughState(peers: PassthroughPeers | null = null): PassthroughState {
  const suspended = new SuspendedCalls(undefined, peers?.id ?? null);
  const state: PassthroughState = {
    relay: new ClientRequestRelay(peers?.id ?? null),
    cancellable: new CancellableCalls(),
    suspended,
    logLevels: new Map(),
    peers,
    remoteRounds: peers ? new RemoteRounds(peers, suspended) : null,
  };
  if (peers) {
    peers.on("answer", (m) => void state.relay.deliver(String(m.agentId), m.message as ClientResponse));
    peers.on(
      "cancel",
      (m) => void state.cancellable.cancel(String(m.agentId), m.requestId, String(m.reason)),
    );
    peers.on("level", (m) => {
      if (isLogLevel(m.level)) state.logLevels.set(String(m.agentId), m.level);
    });
  }
  return state;
}

/** Reads the log levels 2025 clients set through processes that started before this one. */
export async function loadLogLevels(state: PassthroughState, logger: Logger): Promise<void> {
  if (!state.peers) return;
  try {
    const levels = await state.peers.redis.hgetall(state.peers.keys.logLevels);
    for (const [agentId, level] of Object.entries(levels))
      if (isLogLevel(level) && !state.logLevels.has(agentId)) state.logLevels.set(agentId, level);
  } catch (err) {
    logger.warn({ err: String(err) }, "could not read the clients' log levels; they apply once set again");
  }
}

/** `logging/setLevel` from a 2025 client: applies to its calls on every replica. */
export async function setLogLevel(state: PassthroughState, agentId: string, level: LogLevel): Promise<void> {
  state.logLevels.set(agentId, level);
  if (!state.peers) return;
  const { redis, keys } = state.peers;
  await redis.multi().hset(keys.logLevels, agentId, level).expire(keys.logLevels, LOG_LEVELS_TTL_SEC).exec();
  await state.peers.tellAll("level", { agentId, level });
}

/**
 * A 2026-07-28 `subscriptions/listen` keeps only the resource URIs the agent may read (the
 * SDK's acknowledgement then tells the client what was kept), and those are watched upstream.
 * Changes the message in place, before the SDK serves it. Returns what to call when the
 * listen stream closes (it then no longer counts as a subscriber), or undefined.
 */
/** Whether admitListen has anything to do for this message (a sync check: no promise per call). */
export function opensListen(message: { method?: string }): boolean {
  return message.method === "subscriptions/listen";
}

export async function admitListen(
  state: PassthroughState,
  ctx: CallContext,
  message: { method?: string; params?: Record<string, unknown> },
): Promise<(() => void) | undefined> {
  if (!opensListen(message) || !state.subscriptions) return undefined;
  const filter = message.params?.notifications as { resourceSubscriptions?: unknown } | undefined;
  if (!filter || !Array.isArray(filter.resourceSubscriptions)) return undefined;
  const requested = filter.resourceSubscriptions.filter((u): u is string => typeof u === "string");
  const admitted = await state.subscriptions.admit(ctx, requested);
  filter.resourceSubscriptions = admitted.uris;
  return admitted.release;
}

/**
 * Messages from a client that answer or cancel something in flight rather than ask for
 * anything: a response to one of our requests, or `notifications/cancelled`. True when the
 * message was taken here (the endpoint answers 202 Accepted, as for any notification); an
 * answer for a call on another replica is sent there.
 * @throws AppError NOT_FOUND for an answer whose call ran on a process that is gone.
 */
/**
 * Whether takeClientMessage may take this message: a response, or a cancellation. Anything
 * else it returns false for; the endpoint asks this first, so a plain request awaits nothing.
 */
export function mayBeClientMessage(message: { method?: string }): boolean {
  return message.method === undefined || message.method === "notifications/cancelled";
}

export async function takeClientMessage(
  state: PassthroughState,
  agentId: string,
  message: { method?: string; params?: Record<string, unknown> } & ClientResponse,
): Promise<boolean> {
  if (message.method === undefined) {
    if (state.relay.deliver(agentId, message)) return true;
    const owner = PassthroughPeers.ownerOf(message.id, RELAY_ID_PREFIX);
    if (!state.peers || !owner || owner === state.peers.id) return false;
    const received = await state.peers.send(owner, "answer", { agentId, message }).catch(() => {
      throw new AppError(
        "UNAVAILABLE",
        "this answer cannot reach its call right now (Redis is unreachable); retry",
      );
    });
    if (received) return true;
    throw new AppError(
      "NOT_FOUND",
      "the call waiting for this answer ran on a gateway process that is gone (it stopped or crashed)",
    );
  }
  if (message.method === "notifications/cancelled") {
    const reason = message.params?.reason;
    const why = typeof reason === "string" ? `cancelled by the client: ${reason}` : "cancelled by the client";
    const requestId = message.params?.requestId;
    // The request id is the client's own: the call may run on any replica, so every one is told.
    if (!state.cancellable.cancel(agentId, requestId, why) && state.peers)
      await state.peers.tellAll("cancel", { agentId, requestId, reason: why }).catch(() => undefined);
    return true;
  }
  return false;
}
