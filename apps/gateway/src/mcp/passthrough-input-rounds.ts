import { randomBytes } from "node:crypto";
import { ChannelRefusal, REFUSED } from "@portcullis/upstream/call-channel";

/** One question the upstream asked during a call, waiting for the client's answer. */
interface Ask {
  key: string;
  method: string;
  params: Record<string, unknown>;
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** What a round of a 2026-07-28 call ends with: the call's outcome, or questions for the client. */
export type RoundOutcome<T> =
  | { kind: "done"; value: T }
  | { kind: "ask"; inputRequests: Record<string, unknown> };

/**
 * A tools/call from a 2026-07-28 client whose upstream asks for client input while it runs.
 *
 * That revision has no server-to-client requests: the gateway answers the client's call with
 * `input_required` (the questions, and a `requestState` naming this conversation), and the
 * client retries the call with the answers. The upstream call is not restarted: it stays
 * running here, its question pending, and each retry hands over the answers and waits for
 * the next question or the result.
 */
export class InputConversation<T> {
  private readonly asks: Ask[] = [];
  private readonly asked = new Map<string, Ask>();
  private wake: (() => void) | undefined;
  private next = 0;
  private outcome: Promise<T> | undefined;
  /** Notifications for the client go to the request of the current round (set per round). */
  notify: (notification: { method: string; params: Record<string, unknown> }) => Promise<void> =
    async () => {};
  /** Progress for the client, to the request of the current round (set per round). */
  progress: ((p: { progress: number; total?: number; message?: string }) => void) | undefined;
  /** Cancels the call: it outlives the request that started it, so only this stops it. */
  readonly controller = new AbortController();

  constructor(readonly agentId: string) {}

  /** The call this conversation belongs to (started with `controller.signal`). */
  run(outcome: Promise<T>): void {
    this.outcome = outcome;
    // Settled by round(); an outcome nobody waits for any more must not be unhandled.
    outcome.catch(() => undefined);
  }

  /** The channel's side: ask the client; resolves with its answer. */
  ask(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.asks.push({ key: `q${this.next++}`, method, params, resolve, reject });
      this.wake?.();
    });
  }

  /** The handler's side: waits until the call settles or asks something. */
  async round(): Promise<RoundOutcome<T>> {
    if (!this.outcome) throw new Error("InputConversation.round() before run()");
    const settled = this.outcome.then((value) => ({ kind: "done" as const, value }));
    // A round that ends with questions leaves this copy behind: its failure is the next round's.
    settled.catch(() => undefined);
    while (this.asks.length === 0) {
      const woken = new Promise<"woken">((resolve) => {
        this.wake = () => resolve("woken");
      });
      const first = await Promise.race([settled, woken]);
      this.wake = undefined;
      if (first !== "woken") return first;
    }
    const inputRequests: Record<string, unknown> = {};
    for (const ask of this.asks.splice(0)) {
      this.asked.set(ask.key, ask);
      inputRequests[ask.key] = { method: ask.method, params: ask.params };
    }
    return { kind: "ask", inputRequests };
  }

  /** Hands the client's answers to the questions they name; a question left unanswered is refused. */
  answer(responses: Record<string, unknown> | undefined): void {
    for (const [key, ask] of this.asked) {
      const response = responses?.[key];
      if (response && typeof response === "object") ask.resolve(response as Record<string, unknown>);
      else ask.reject(new ChannelRefusal(REFUSED, `the client retried without answering ${ask.method}`));
    }
    this.asked.clear();
  }

  /** Refuses every open question (the client went away, or the conversation expired). */
  abandon(reason: string): void {
    for (const ask of [...this.asked.values(), ...this.asks.splice(0)])
      ask.reject(new ChannelRefusal(REFUSED, reason));
    this.asked.clear();
  }
}

/** Every requestState the gateway mints starts with this (then the process id and a dot). */
export const STATE_PREFIX = "pcs_";

/**
 * Conversations waiting for a client's retry, by `requestState`: 128 random bits, valid only
 * for the agent that started the call, forgotten once the call settles or after `ttlMs`.
 */
export class SuspendedCalls {
  private readonly byState = new Map<
    string,
    { conversation: InputConversation<unknown>; timer: NodeJS.Timeout }
  >();

  /** `processId` goes into each requestState, so a retry that reaches another replica is sent here. */
  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly processId: string | null = null,
  ) {}

  suspend(conversation: InputConversation<unknown>): string {
    const secret = randomBytes(16).toString("base64url");
    const state = this.processId ? `${STATE_PREFIX}${this.processId}.${secret}` : `${STATE_PREFIX}${secret}`;
    const timer = setTimeout(() => {
      this.byState.delete(state);
      conversation.abandon("the client did not retry the call in time");
      conversation.controller.abort(new Error("the client did not retry the call in time"));
    }, this.ttlMs);
    timer.unref();
    this.byState.set(state, { conversation, timer });
    return state;
  }

  /** Takes the conversation `state` names, if it is the agent's; it must be suspended again to wait longer. */
  resume(state: unknown, agentId: string): InputConversation<unknown> | undefined {
    if (typeof state !== "string") return undefined;
    const entry = this.byState.get(state);
    if (!entry || entry.conversation.agentId !== agentId) return undefined;
    clearTimeout(entry.timer);
    this.byState.delete(state);
    return entry.conversation;
  }
}
