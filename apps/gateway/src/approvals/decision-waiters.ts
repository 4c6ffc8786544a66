import { AppError } from "@portcullis/contracts/errors";
import type { ApprovalDecisionMessage } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import {
  type DecisionTrust,
  readApprovalDecision,
  readApprovalDecisions,
  subscribeToApprovalDecisions,
} from "@portcullis/queues/approval-protocol";
import { createRedisClient, type RedisTarget } from "@portcullis/queues/redis-config";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

interface Waiter {
  approvalId: string;
  startedAt: number;
  settle(decision: ApprovalDecisionMessage | null): void;
  fail(error: Error): void;
  onTick?: (elapsedMs: number) => void;
}

export interface DecisionWaitersOptions {
  /** For the one subscriber connection shared by every waiting call. */
  redisUrl: RedisTarget;
  /** Command connection (GET / MGET of decision keys). */
  redis: Redis;
  names: RedisNames;
  logger: Logger;
  /** How often waiting calls are ticked (progress) and decision keys re-read. */
  tickMs: number;
  /** Names the subscriber connection in `CLIENT LIST`. */
  connectionName: string;
  /** The installation key: only decisions signed with it settle a wait. */
  secretKey: Buffer;
  /** A forged (unsigned or wrongly signed) decision was found for a waiting call; once per approval id. */
  onForged?: (approvalId: string | null) => void;
}

/**
 * Where calls wait for decisions. One Redis subscriber connection per gateway, opened on
 * the first wait, serves every waiting call through a map approval id → waiters; a decision
 * message settles all waiters of its id. Pub/sub alone can lose a message (a reconnect, a
 * gateway that subscribed late), so each wait also reads the decision key right after
 * subscribing, and a tick re-reads the keys of everything still waiting (one MGET).
 */
export class DecisionWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private subscriber: Redis | null = null;
  private subscribed: Promise<void> | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly trust: DecisionTrust;
  /** Approval ids already reported forged: the tick re-reads keys, so report each once. */
  private readonly forged = new Set<string | null>();

  constructor(private readonly options: DecisionWaitersOptions) {
    this.trust = {
      secretKey: options.secretKey,
      onForged: (approvalId) => {
        if (this.forged.has(approvalId)) return;
        if (this.forged.size > 10_000) this.forged.clear();
        this.forged.add(approvalId);
        options.logger.warn({ approvalId }, "approval decision refused: missing or invalid MAC");
        options.onForged?.(approvalId);
      },
    };
  }

  /**
   * Waits for the decision on `approvalId`. Resolves with it, or with null when `deadline`
   * (epoch ms) passes first. Rejects when `signal` aborts or the waiters are closed.
   */
  async wait(
    approvalId: string,
    deadline: number,
    options: { signal?: AbortSignal; onTick?: (elapsedMs: number) => void } = {},
  ): Promise<ApprovalDecisionMessage | null> {
    if (this.closed) throw new AppError("UNAVAILABLE", "the gateway is shutting down");
    options.signal?.throwIfAborted();
    let waiter!: Waiter;
    const done = new Promise<ApprovalDecisionMessage | null>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        this.remove(waiter);
      };
      const onAbort = () => {
        finish();
        reject(options.signal?.reason ?? new Error("aborted"));
      };
      waiter = {
        approvalId,
        startedAt: Date.now(),
        onTick: options.onTick,
        settle: (decision) => {
          finish();
          resolve(decision);
        },
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      // Registered before subscribing and reading the key: a decision published meanwhile is not missed.
      this.add(waiter);
      timer = setTimeout(() => waiter.settle(null), Math.max(0, deadline - Date.now()));
      options.signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await this.subscribe();
      const decision = await readApprovalDecision(
        this.options.redis,
        this.options.names,
        approvalId,
        this.trust,
      );
      if (decision) waiter.settle(decision);
    } catch (error) {
      waiter.fail(
        error instanceof AppError
          ? error
          : new AppError("UNAVAILABLE", "approval decisions cannot be received: Redis is unreachable", {
              cause: error,
            }),
      );
    }
    return done;
  }

  /** Calls waiting now, and subscriber connections open (0 or 1). */
  stats(): { waiting: number; subscribers: number } {
    let waiting = 0;
    for (const set of this.waiters.values()) waiting += set.size;
    return { waiting, subscribers: this.subscriber ? 1 : 0 };
  }

  /** Fails every waiting call (with the error `reasonFor` gives its approval id) and disconnects. */
  close(reasonFor: (approvalId: string) => Error): void {
    this.closed = true;
    for (const set of [...this.waiters.values()]) {
      for (const waiter of [...set]) waiter.fail(reasonFor(waiter.approvalId));
    }
    this.stopTicker();
    this.subscriber?.disconnect();
    this.subscriber = null;
  }

  private add(waiter: Waiter): void {
    let set = this.waiters.get(waiter.approvalId);
    if (!set) {
      set = new Set();
      this.waiters.set(waiter.approvalId, set);
    }
    set.add(waiter);
    this.ticker ??= setInterval(() => void this.tick(), this.options.tickMs);
  }

  private remove(waiter: Waiter): void {
    const set = this.waiters.get(waiter.approvalId);
    set?.delete(waiter);
    if (set?.size === 0) this.waiters.delete(waiter.approvalId);
    if (this.waiters.size === 0) this.stopTicker();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private subscribe(): Promise<void> {
    if (!this.subscribed) {
      const subscriber = createRedisClient(this.options.redisUrl, {
        connectionName: this.options.connectionName,
        maxRetriesPerRequest: null,
        connectTimeout: 2_000,
      });
      subscriber.on("error", (err) => this.options.logger.debug({ err: err.message }, "approval subscriber"));
      // After a reconnect (ioredis resubscribes by itself) read what may have been missed.
      subscriber.on("ready", () => void this.tick(false));
      this.subscriber = subscriber;
      this.subscribed = subscribeToApprovalDecisions(subscriber, this.options.names, this.trust, (decision) =>
        this.deliver(decision),
      ).catch((error: unknown) => {
        // Let the next wait try again with a fresh connection.
        this.subscribed = null;
        this.subscriber = null;
        subscriber.disconnect();
        throw error;
      });
    }
    return this.subscribed;
  }

  private deliver(decision: ApprovalDecisionMessage): void {
    const set = this.waiters.get(decision.approvalId);
    if (!set) return;
    for (const waiter of [...set]) waiter.settle(decision);
  }

  private async tick(progress = true): Promise<void> {
    const ids = [...this.waiters.keys()];
    if (ids.length === 0) return;
    if (progress) {
      const now = Date.now();
      for (const set of this.waiters.values()) for (const w of set) w.onTick?.(now - w.startedAt);
    }
    try {
      const decisions = await readApprovalDecisions(this.options.redis, this.options.names, ids, this.trust);
      for (const decision of decisions) this.deliver(decision);
    } catch (error) {
      this.options.logger.debug({ err: String(error) }, "approval decision sweep failed");
    }
  }
}
