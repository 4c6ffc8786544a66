import { randomToken } from "@portcullis/contracts/ids";
import { type RedisNames, sessionKeys } from "@portcullis/contracts/redis-keys";
import type { Redis } from "ioredis";

/** What a session remembers: who opened it. Any replica serves it from this alone. */
export interface SessionRecord {
  id: string;
  agentId: string;
  orgId: string;
  protocolVersion: string;
}

/** Idle sessions end after this long (each request and open stream extends it). */
export const SESSION_TTL_SEC = 3600;
/** Events kept per session for `Last-Event-ID` resumption. */
const EVENTS_KEPT = 1000;

/**
 * Sessions in Redis, so a session opened on one gateway replica continues on any other:
 * the record, and the stream of events its GET streams carry (replayed after a reconnect
 * from the `Last-Event-ID` the client sends, to whichever replica it reaches).
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly names: RedisNames,
  ) {}

  async create(record: Omit<SessionRecord, "id">): Promise<SessionRecord> {
    // Visible ASCII only (the spec's rule for session ids): the id alphabet is [0-9A-Za-z].
    const id = `ses${randomToken(32)}`;
    const keys = sessionKeys(this.names, id);
    await this.redis
      .multi()
      .hset(keys.record, {
        agentId: record.agentId,
        orgId: record.orgId,
        protocolVersion: record.protocolVersion,
      })
      .expire(keys.record, SESSION_TTL_SEC)
      .sadd(keys.sessionsIndex, id)
      .exec();
    return { id, ...record };
  }

  /** The session, its TTL renewed; null when it does not exist (ended, expired, never issued). */
  async touch(id: string): Promise<SessionRecord | null> {
    if (!/^ses[0-9A-Za-z]{32}$/.test(id)) return null;
    const keys = sessionKeys(this.names, id);
    const [[, fields]] = (await this.redis
      .multi()
      .hgetall(keys.record)
      .expire(keys.record, SESSION_TTL_SEC)
      .expire(keys.events, SESSION_TTL_SEC)
      .exec()) as [[unknown, Record<string, string>]];
    if (!fields?.agentId || !fields.orgId) {
      await this.redis.srem(keys.sessionsIndex, id);
      return null;
    }
    return {
      id,
      agentId: fields.agentId,
      orgId: fields.orgId,
      protocolVersion: fields.protocolVersion ?? "",
    };
  }

  /** Whether the session still exists (without renewing it: a resource update is not activity). */
  async isOpen(id: string): Promise<boolean> {
    return (await this.redis.exists(sessionKeys(this.names, id).record)) === 1;
  }

  async end(id: string): Promise<void> {
    const keys = sessionKeys(this.names, id);
    await this.redis.multi().del(keys.record, keys.events).srem(keys.sessionsIndex, id).exec();
  }

  /** Open sessions' ids; ones that expired meanwhile are dropped from the index here. */
  async openIds(): Promise<string[]> {
    const index = sessionKeys(this.names, "").sessionsIndex;
    const ids = await this.redis.smembers(index);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.exists(sessionKeys(this.names, id).record);
    const found = (await pipeline.exec()) ?? [];
    const expired = ids.filter((_, i) => found[i]?.[1] === 0);
    if (expired.length > 0) await this.redis.srem(index, ...expired);
    return ids.filter((_, i) => found[i]?.[1] === 1);
  }

  /**
   * Appends a JSON-RPC message to the session's event stream, once per `dedupe` key across
   * replicas (every replica sees the same snapshot change; one of them tells the session).
   */
  async append(id: string, message: unknown, dedupe?: string): Promise<string | null> {
    const keys = sessionKeys(this.names, id);
    if (dedupe && (await this.redis.set(keys.notified(dedupe), "1", "EX", SESSION_TTL_SEC, "NX")) === null)
      return null;
    const eventId = await this.redis.xadd(
      keys.events,
      "MAXLEN",
      "~",
      EVENTS_KEPT,
      "*",
      "m",
      JSON.stringify(message),
    );
    await this.redis.expire(keys.events, SESSION_TTL_SEC);
    return eventId;
  }

  /** The id of the session's newest event ("0-0" when none): a new stream starts after it. */
  async lastEventId(id: string): Promise<string> {
    const [last] = (await this.redis.xrevrange(
      sessionKeys(this.names, id).events,
      "+",
      "-",
      "COUNT",
      1,
    )) as Array<[string, string[]]>;
    return last?.[0] ?? "0-0";
  }
}
