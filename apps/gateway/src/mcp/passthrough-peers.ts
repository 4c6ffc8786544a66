import { randomToken } from "@portcullis/contracts/ids";
import { passthroughKeys, type RedisNames } from "@portcullis/contracts/redis-keys";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

/** A message between gateway processes about a conversation in flight (JSON on pub/sub). */
export type PeerMessage = { t: string; from: string } & Record<string, unknown>;

/** How often a process says it is alive, and how long that lasts (a crashed process is "gone" after it). */
const ALIVE_EVERY_MS = 5_000;
const ALIVE_TTL_SEC = 15;
/** A live peer that did not hear a message is sent it again this often, this many times (6 s). */
const RESEND_EVERY_MS = 500;
const RESEND_ATTEMPTS = 12;

/**
 * The link between gateway processes that serve the same installation (one Redis prefix),
 * for the conversations a client may continue on another replica than the one running its
 * call: answers to our requests, `notifications/cancelled`, `logging/setLevel`, and the
 * retries of suspended 2026-07-28 calls.
 *
 * Each process has a random id that it puts in the ids it mints (request ids, requestState),
 * so whichever process receives the continuation knows where to send it without a lookup:
 * a direct pub/sub channel per process. PUBLISH says how many received it: none means the
 * process is gone, and the client is told so. What every process must hear (cancellations of
 * client-chosen request ids, log levels) goes on one broadcast channel. Nothing here is on
 * the path of a call that needs no other process: it costs Redis traffic only when a
 * conversation crosses processes (and a liveness key refreshed every 5 s).
 */
export class PassthroughPeers {
  readonly id = randomToken(12);
  private readonly handlers = new Map<string, (message: PeerMessage) => void>();
  readonly keys: ReturnType<typeof passthroughKeys>;
  private readonly direct: string;
  private readonly broadcast: string;
  private timer: NodeJS.Timeout | null = null;
  private readonly onMessage = (channel: string, raw: string) => {
    if (channel !== this.direct && channel !== this.broadcast) return;
    let message: PeerMessage;
    try {
      message = JSON.parse(raw) as PeerMessage;
    } catch {
      return;
    }
    if (message.from === this.id) return;
    try {
      this.handlers.get(message.t)?.(message);
    } catch (err) {
      this.logger.warn({ err: String(err), type: message.t }, "passthrough peer message failed");
    }
  };

  constructor(
    readonly redis: Redis,
    private readonly subscriber: Redis,
    readonly names: RedisNames,
    private readonly logger: Logger,
  ) {
    this.keys = passthroughKeys(names);
    this.direct = this.keys.peer(this.id);
    this.broadcast = this.keys.all;
  }

  async start(): Promise<void> {
    this.subscriber.on("message", this.onMessage);
    await this.subscriber.subscribe(this.direct, this.broadcast);
    const beat = () => void this.beat().catch(() => undefined);
    beat();
    this.timer = setInterval(beat, ALIVE_EVERY_MS);
    this.timer.unref();
  }

  /**
   * Says this process is alive, and checks that it still hears its channel: a subscription
   * lost with a reconnect (seen under heavy load) would make this process look gone to its
   * peers, so it is made again.
   */
  private async beat(): Promise<void> {
    const [, numsub] = (await this.redis
      .multi()
      .set(this.keys.alive(this.id), "1", "EX", ALIVE_TTL_SEC)
      .pubsub("NUMSUB", this.direct)
      .exec()) as [[unknown, unknown], [unknown, [string, number]]];
    if (Number(numsub?.[1]?.[1] ?? 1) > 0) return;
    this.logger.warn({ id: this.id }, "passthrough peers: channel subscription lost; subscribing again");
    await this.subscriber.subscribe(this.direct, this.broadcast);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.subscriber.off("message", this.onMessage);
    await this.redis.del(this.keys.alive(this.id)).catch(() => undefined);
    // Not awaited: with Redis down it would wait for a reconnect (the connection closes next anyway).
    void this.subscriber.unsubscribe(this.direct, this.broadcast).catch(() => undefined);
  }

  on(type: string, handler: (message: PeerMessage) => void): void {
    this.handlers.set(type, handler);
  }

  /**
   * Sends to one process; false when no process of that id listens (it stopped or crashed).
   * A process that is alive but not subscribed (it is subscribing again, see `beat`) is
   * retried for a little longer than one beat before it counts as gone.
   */
  async send(to: string, t: string, body: Record<string, unknown>): Promise<boolean> {
    const message = JSON.stringify({ ...body, t, from: this.id });
    for (let attempt = 0; ; attempt++) {
      if ((await this.redis.publish(this.keys.peer(to), message)) > 0) return true;
      if (attempt >= RESEND_ATTEMPTS || !(await this.isAlive(to))) return false;
      await new Promise((resolve) => setTimeout(resolve, RESEND_EVERY_MS));
    }
  }

  /** Sends to every other process. */
  async tellAll(t: string, body: Record<string, unknown>): Promise<void> {
    await this.redis.publish(this.broadcast, JSON.stringify({ ...body, t, from: this.id }));
  }

  /** Whether that process still runs (its liveness key has not expired). */
  async isAlive(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.alive(id))) === 1;
  }

  /** The process an id minted by `mint` belongs to (null: not such an id). */
  static ownerOf(id: unknown, prefix: string): string | null {
    if (typeof id !== "string" || !id.startsWith(prefix)) return null;
    const dot = id.indexOf(".", prefix.length);
    return dot > prefix.length ? id.slice(prefix.length, dot) : null;
  }

  /** `<prefix><process id>.<secret>`: the secret stays unguessable, the process is readable. */
  mint(prefix: string, secret: string): string {
    return `${prefix}${this.id}.${secret}`;
  }
}
