import { AppError, type ErrorCode, isAppError } from "@portcullis/contracts/errors";
import { randomToken } from "@portcullis/contracts/ids";
import type { CallToolResult } from "@portcullis/upstream/types";
import type { InputConversation, SuspendedCalls } from "./passthrough-input-rounds";
import type { PassthroughPeers, PeerMessage } from "./passthrough-peers";

/** How a round served by another process ended, as this process answers the client. */
export type RemoteOutcome =
  | { kind: "done"; value: CallToolResult }
  | { kind: "ask"; inputRequests: Record<string, unknown>; requestState: string }
  /** The owner has no such conversation (settled, expired, another agent's). */
  | { kind: "none" };

interface Hooks {
  notify(notification: { method: string; params: Record<string, unknown> }): Promise<void>;
  progress: ((p: { progress: number; total?: number; message?: string }) => void) | undefined;
  signal: AbortSignal;
}

interface Waiting extends Hooks {
  resolve(outcome: RemoteOutcome): void;
  reject(error: Error): void;
}

/** How often each side of a remote round checks that the other process is still alive. */
const PEER_CHECK_MS = 5_000;

const gone = () =>
  new AppError(
    "UNAVAILABLE",
    "the call this retry continues was running on a gateway process that is gone (it stopped or crashed); call the tool again",
  );

/**
 * A 2026-07-28 client's retry with `requestState` that reaches another replica than the one
 * whose upstream call is waiting for the answers: the retry's round is run by the owner
 * (named in the requestState), and its notifications, progress and outcome come back here
 * over pub/sub, so the client sees one call whichever replica it reaches.
 */
export class RemoteRounds {
  /** Rounds this process runs for a retry another process holds, by round id. */
  private readonly serving = new Map<string, InputConversation<unknown>>();
  /** Rounds this process asked another to run, by round id. */
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly peers: PassthroughPeers,
    private readonly suspended: SuspendedCalls,
  ) {
    peers.on("round", (m) => void this.serve(m));
    peers.on("round-abort", (m) => {
      const conversation = this.serving.get(String(m.rid));
      conversation?.controller.abort(new Error("the client went away"));
      conversation?.abandon("the client went away");
    });
    peers.on("round-note", (m) => {
      const w = this.waiting.get(String(m.rid));
      void w?.notify(m.notification as never).catch(() => undefined);
    });
    peers.on("round-progress", (m) => this.waiting.get(String(m.rid))?.progress?.(m.progress as never));
    peers.on("round-end", (m) => {
      const w = this.waiting.get(String(m.rid));
      if (!w) return;
      const error = m.error as { code?: string; message?: string } | undefined;
      if (error)
        w.reject(
          error.code
            ? new AppError(error.code as ErrorCode, error.message ?? "failed")
            : new Error(error.message ?? "failed"),
        );
      else w.resolve(m.outcome as RemoteOutcome);
    });
  }

  /** Runs the round of `state` on `owner` and waits for its outcome (until the client goes away or the owner is gone). */
  continueOn(
    owner: string,
    state: string,
    agentId: string,
    responses: Record<string, unknown> | undefined,
    hooks: Hooks,
  ): Promise<RemoteOutcome> {
    const rid = randomToken(16);
    return new Promise<RemoteOutcome>((resolve, reject) => {
      const check = setInterval(() => {
        void this.peers
          .isAlive(owner)
          .then((alive) => alive || finish(() => reject(gone())))
          .catch(() => undefined);
      }, PEER_CHECK_MS);
      const onAbort = () => {
        void this.peers.send(owner, "round-abort", { rid }).catch(() => undefined);
        finish(() => reject(new Error("the client went away")));
      };
      const finish = (settle: () => void) => {
        clearInterval(check);
        hooks.signal.removeEventListener("abort", onAbort);
        this.waiting.delete(rid);
        settle();
      };
      hooks.signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.set(rid, {
        ...hooks,
        resolve: (outcome) => finish(() => resolve(outcome)),
        reject: (error) => finish(() => reject(error)),
      });
      this.peers
        .send(owner, "round", { rid, state, agentId, responses: responses ?? null })
        .then((received) => received || finish(() => reject(gone())))
        .catch((error: unknown) => finish(() => reject(error as Error)));
    });
  }

  /** The owner's side: resumes the conversation with the answers and runs its next round. */
  private async serve(m: PeerMessage): Promise<void> {
    const rid = String(m.rid);
    const reply = (body: Record<string, unknown>) =>
      void this.peers.send(m.from, "round-end", { rid, ...body }).catch(() => undefined);
    const conversation = this.suspended.resume(m.state, String(m.agentId));
    if (!conversation) return reply({ outcome: { kind: "none" } });
    conversation.answer((m.responses as Record<string, unknown> | null) ?? undefined);
    conversation.notify = async (notification) => {
      await this.peers.send(m.from, "round-note", { rid, notification });
    };
    conversation.progress = (progress) =>
      void this.peers.send(m.from, "round-progress", { rid, progress }).catch(() => undefined);
    this.serving.set(rid, conversation);
    // The process holding the client's request stopped: nobody can hear this round's outcome.
    const check = setInterval(() => {
      void this.peers
        .isAlive(m.from)
        .then((alive) => {
          if (alive) return;
          conversation.controller.abort(new Error("the client's gateway process is gone"));
          conversation.abandon("the client's gateway process is gone");
        })
        .catch(() => undefined);
    }, PEER_CHECK_MS);
    try {
      const step = await conversation.round();
      reply({
        outcome:
          step.kind === "done"
            ? { kind: "done", value: step.value }
            : {
                kind: "ask",
                inputRequests: step.inputRequests,
                requestState: this.suspended.suspend(conversation),
              },
      });
    } catch (error) {
      reply({
        error: isAppError(error)
          ? { code: error.code, message: error.message }
          : { message: error instanceof Error ? error.message : String(error) },
      });
    } finally {
      clearInterval(check);
      this.serving.delete(rid);
    }
  }
}
