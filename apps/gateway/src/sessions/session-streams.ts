import { randomToken } from "@portcullis/contracts/ids";
import { type RedisNames, sessionKeys } from "@portcullis/contracts/redis-keys";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { SessionStore } from "./session-store";

/** One open GET stream: where it is in its session's events, and how to write to it. */
interface Listener {
  sessionId: string;
  after: string;
  send(eventId: string, message: string): void;
  keepAlive(): void;
  end(): void;
}

const BLOCK_MS = 5_000;
const KEEP_ALIVE_MS = 15_000;

/** Redis stream ids (`<ms>-<seq>`) in order. */
function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split("-").map((p) => BigInt(p));
  const [bm = 0n, bs = 0n] = b.split("-").map((p) => BigInt(p));
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

/**
 * Every GET stream of this process read through ONE blocking Redis connection: a single
 * XREAD BLOCK over all open sessions' event streams (and a wake-up stream of this process,
 * written when a stream opens, so the read picks the new session up at once). A process
 * with thousands of 2025-era clients holds one extra Redis connection, not thousands.
 */
export class SessionStreams {
  private readonly listeners = new Set<Listener>();
  private readonly wakeKey: string;
  private reader: Redis | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
    private readonly store: SessionStore,
    private readonly logger: Logger,
  ) {
    this.wakeKey = `${names.prefix}:sessions:wake:${randomToken(12)}`;
  }

  /** Adds a stream; it receives its session's events after `after` until `remove`. */
  add(listener: Listener): () => void {
    this.listeners.add(listener);
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
    void this.redis.xadd(this.wakeKey, "MAXLEN", "~", 10, "*", "w", "1").catch(() => undefined);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    this.closed = true;
    this.reader?.disconnect();
    for (const l of this.listeners) l.end();
    this.listeners.clear();
    void this.redis.del(this.wakeKey).catch(() => undefined);
  }

  private async loop(): Promise<void> {
    this.reader ??= this.redis.duplicate({ maxRetriesPerRequest: 1, enableOfflineQueue: true });
    this.reader.on("error", () => undefined);
    let wakeAfter = "$";
    let lastKeepAlive = Date.now();
    while (!this.closed && this.listeners.size > 0) {
      // Each session is read from its furthest-behind stream's position.
      const from = new Map<string, string>();
      for (const l of this.listeners) {
        const at = from.get(l.sessionId);
        if (at === undefined || compareIds(l.after, at) < 0) from.set(l.sessionId, l.after);
      }
      const sessions = [...from.keys()];
      let answer: Array<[string, Array<[string, string[]]>]> | null;
      try {
        answer = (await this.reader.xread(
          "COUNT",
          100,
          "BLOCK",
          BLOCK_MS,
          "STREAMS",
          this.wakeKey,
          ...sessions.map((id) => sessionKeys(this.names, id).events),
          wakeAfter,
          ...sessions.map((id) => from.get(id)!),
        )) as typeof answer;
      } catch (err) {
        if (this.closed) return;
        this.logger.warn({ err: String(err) }, "session streams: read failed; retrying");
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      for (const [key, entries] of answer ?? []) {
        if (key === this.wakeKey) {
          wakeAfter = entries.at(-1)?.[0] ?? wakeAfter;
          continue;
        }
        const sessionId = sessions.find((id) => sessionKeys(this.names, id).events === key);
        for (const [eventId, fields] of entries) {
          for (const l of this.listeners) {
            if (l.sessionId !== sessionId || compareIds(eventId, l.after) <= 0) continue;
            l.send(eventId, fields[1] ?? "null");
            l.after = eventId;
          }
        }
      }
      if (Date.now() - lastKeepAlive >= KEEP_ALIVE_MS) {
        lastKeepAlive = Date.now();
        for (const id of sessions) {
          // An ended or expired session's streams end; the others are kept alive (and their TTL with them).
          const alive = await this.store.touch(id).catch(() => true);
          for (const l of this.listeners) if (l.sessionId === id) alive ? l.keepAlive() : l.end();
        }
      }
    }
  }
}
