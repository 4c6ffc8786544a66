import { createHash } from "node:crypto";
import { join } from "node:path";
import { inspect } from "node:util";
import { type AuditEvent, auditEventSchema } from "@portcullis/contracts/audit";
import { type AuditIngestPayload, JOBS, QUEUES } from "@portcullis/contracts/jobs";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { takeAcks } from "./audit-acks";
import { signAuditJob } from "./audit-job-mac";
import { AuditJournal } from "./audit-journal";
import { AuditSpool } from "./audit-spool";
import { type Logger, silentLogger } from "./logger";
import { createRedisClient, type RedisConfig } from "./redis-config";
import { TimeoutError, withTimeout } from "./timeout";

export interface AuditSinkOptions {
  redis: RedisConfig;
  names: RedisNames;
  /** Where batches go while Redis is unreachable. Created if missing; may be shared by sinks. */
  spoolDir: string;
  /** Events per job. Default 200. */
  batchSize?: number;
  /** How long an event may wait in memory for its batch to fill. Default 20 ms. */
  flushIntervalMs?: number;
  /** How often the spool is checked and, when Redis answers, moved into the queue. Default 1000 ms. */
  replayIntervalMs?: number;
  /** An enqueue slower than this counts as failed and the batch is spooled. Default 2000 ms. */
  enqueueTimeoutMs?: number;
  /** Spool files of a sink whose heartbeat is older than this are taken over. Default 60 s. */
  staleOwnerMs?: number;
  /**
   * A batch the worker has not acknowledged as stored this long after it was enqueued is
   * sent again from the journal (Redis may have lost it); later resends back off. Default 30 s.
   */
  ackTimeoutMs?: number;
  /** How long close() waits for the acks of the last batches. Default 2 s. */
  closeAckWaitMs?: number;
  /** The audit-job key (`auditJobKey(secret)`): every job carries its MAC. */
  macKey?: Buffer;
  logger?: Logger;
}

export interface AuditSinkStats {
  /** Events in memory now (waiting for their batch, or being sent). */
  buffered: number;
  /** Events this sink has written to the spool (cumulative). */
  spooled: number;
  /** Events this sink has put in the queue, directly or from the spool (cumulative). */
  enqueued: number;
  /** Jobs this sink has put in the queue (cumulative): one per batch. */
  jobs: number;
  /** Events moved from spool files (its own or taken over) into the queue (cumulative). */
  replayed: number;
  /** Events refused because they do not match the contract (kept in `rejected-*.bad`). */
  rejected: number;
  /** Events enqueued and not yet acknowledged as stored by the worker (kept in the journal). */
  unacked: number;
  /** Events sent again from the journal because their ack was overdue or their sink gone (cumulative). */
  resent: number;
}

/** Retries outlive a worker restart or a short Postgres outage (1 s, 2 s, 4 s … ≈ 17 min in all). */
const JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: true,
  // Failed jobs are the last copy of their events: keep them for inspection and retry.
  removeOnFail: false,
} as const;

/**
 * The gateway's audit outlet. `record()` is synchronous and cheap: events are buffered and
 * sent as one BullMQ job per batch. When Redis does not answer, batches go to a local
 * spool (fsync'd JSON Lines) and a replay loop moves them back into the queue, in order,
 * once it answers again. Order of operations is kept by running every send, spool write
 * and replay one after another on a single lane.
 */
export class AuditSink {
  private readonly names: RedisNames;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly enqueueTimeoutMs: number;
  private readonly logger: Logger;
  private readonly redis: Redis;
  private readonly spool: AuditSpool;
  private readonly journal: AuditJournal;
  private readonly ackTimeoutMs: number;
  private readonly closeAckWaitMs: number;
  private readonly macKey: Buffer | undefined;
  private queue: Queue<AuditIngestPayload>;
  private buffer: AuditEvent[] = [];
  private inFlight = 0;
  private lane: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushQueued = false;
  private replayQueued = false;
  private readonly replayTimer: NodeJS.Timeout;
  /** While true, new batches go to the spool behind the older ones instead of jumping ahead. */
  private spooling = false;
  private redisDown = false;
  private wasReady = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly counts = { spooled: 0, enqueued: 0, jobs: 0, replayed: 0, rejected: 0, resent: 0 };

  constructor(options: AuditSinkOptions) {
    this.names = options.names;
    this.batchSize = options.batchSize ?? 200;
    this.flushIntervalMs = options.flushIntervalMs ?? 20;
    this.enqueueTimeoutMs = options.enqueueTimeoutMs ?? 2_000;
    this.logger = options.logger ?? silentLogger;
    this.spool = new AuditSpool({
      dir: options.spoolDir,
      staleAfterMs: options.staleOwnerMs ?? 60_000,
      logger: this.logger,
    });
    this.journal = new AuditJournal({
      dir: join(options.spoolDir, "journal"),
      ownersDir: options.spoolDir,
      owner: this.spool.owner,
      staleAfterMs: options.staleOwnerMs ?? 60_000,
      logger: this.logger,
    });
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.closeAckWaitMs = options.closeAckWaitMs ?? 2_000;
    this.macKey = options.macKey;
    // A connection of our own that fails fast: no offline queue (a command while
    // disconnected is rejected at once) and no resending of commands cut off by a
    // disconnect (the batch is already in the spool by then).
    this.redis = createRedisClient(options.redis, {
      connectTimeout: 1_000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    this.redis.on("error", (error) => this.logger.debug({ err: error }, "audit sink redis error"));
    // Replay as soon as Redis is back rather than at the next tick.
    this.redis.on("ready", () => {
      this.wasReady = true;
      this.requestReplay();
    });
    this.queue = this.createQueue();
    this.replayTimer = setInterval(() => this.requestReplay(), options.replayIntervalMs ?? 1_000);
    // The replay loop alone must not keep a gateway process alive.
    this.replayTimer.unref();
    // Files left behind by a crashed predecessor are picked up right away.
    this.requestReplay();
  }

  /** Buffers one event. Synchronous, never throws, never waits for Redis. */
  record(event: AuditEvent): void {
    try {
      if (this.closed) {
        this.recordAfterClose(event);
        return;
      }
      this.buffer.push(event);
      if (this.buffer.length >= this.batchSize) this.scheduleFlush(0);
      else this.scheduleFlush(this.flushIntervalMs);
    } catch (error) {
      this.logger.error({ err: error, eventId: event?.id }, "audit sink failed to record an event");
    }
  }

  /** Sends what is buffered now: to the queue, or to the spool if Redis does not answer. */
  flush(): Promise<void> {
    this.cancelFlushTimer();
    return this.onLane(() => this.drainBuffer());
  }

  /**
   * Flushes, makes one last attempt to replay the spool, and closes connections. Whatever
   * could not be sent stays in the spool for the next sink using this directory.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  stats(): AuditSinkStats {
    return {
      buffered: this.buffer.length + this.inFlight,
      unacked: this.journal.unackedEvents(),
      ...this.counts,
    };
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.cancelFlushTimer();
    clearInterval(this.replayTimer);
    await this.onLane(() => this.drainBuffer());
    await this.onLane(() => this.replay());
    await this.onLane(() => this.awaitAcks(this.closeAckWaitMs));
    await this.onLane(async () => {
      // Only a failing disk leaves events in memory here: one synchronous try more.
      if (this.buffer.length > 0) this.recordAfterClose(...this.buffer.splice(0));
      // Unacknowledged segments stay behind: the next sink here sends them again.
      await this.journal.close();
      await this.spool.close();
    });
    // Disconnect first: BullMQ's pending connection setup (Redis never came up) then
    // settles while the queue still listens for its error.
    this.redis.disconnect();
    await withTimeout(this.queue.close(), 1_000, "closing the audit queue").catch((error) =>
      this.logger.warn({ err: error }, "audit queue did not close cleanly"),
    );
  }

  private createQueue(): Queue<AuditIngestPayload> {
    const queue = new Queue<AuditIngestPayload>(QUEUES.audit, {
      connection: this.redis,
      prefix: this.names.bullPrefix,
      defaultJobOptions: JOB_OPTIONS,
    });
    queue.on("error", (error) => this.logger.debug({ err: error }, "audit queue error"));
    return queue;
  }

  private onLane(op: () => Promise<void>): Promise<void> {
    const next = this.lane.then(op).catch((error) => {
      this.logger.error({ err: error }, "audit sink operation failed");
    });
    this.lane = next;
    return next;
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushQueued) return; // a queued drain will take this event too
    if (delayMs > 0) {
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        this.scheduleFlush(0);
      }, delayMs);
      return;
    }
    this.cancelFlushTimer();
    this.flushQueued = true;
    void this.onLane(() => {
      this.flushQueued = false;
      return this.drainBuffer();
    });
  }

  private cancelFlushTimer(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private requestReplay(): void {
    if (this.replayQueued || this.closed) return;
    this.replayQueued = true;
    void this.onLane(() => {
      this.replayQueued = false;
      return this.replay();
    });
    // Events left in memory by a failed spool write get another chance on every tick.
    if (this.buffer.length > 0) this.scheduleFlush(0);
  }

  private async drainBuffer(): Promise<void> {
    while (this.buffer.length > 0) {
      const taken = this.buffer.splice(0, this.batchSize);
      this.inFlight = taken.length;
      const batch = await this.prepare(taken);
      try {
        if (batch.events.length === 0) continue;
        if (!this.spooling && (await this.send(batch.events, batch.lines))) continue;
        this.spooling = true;
        await this.spool.append(batch.lines);
        this.counts.spooled += batch.events.length;
      } catch (error) {
        // The disk failed too: keep the batch in memory, in front, and try again later.
        this.buffer.unshift(...batch.events);
        this.logger.error({ err: error, events: batch.events.length }, "audit spool write failed");
        return;
      } finally {
        this.inFlight = 0;
      }
    }
  }

  /**
   * Checks events against the contract before they reach a batch: one malformed event
   * must not make the worker refuse its 199 neighbours. Refused events are kept on disk.
   */
  private async prepare(events: AuditEvent[]): Promise<{ events: AuditEvent[]; lines: string[] }> {
    const good: AuditEvent[] = [];
    const lines: string[] = [];
    const refused: string[] = [];
    for (const event of events) {
      const parsed = auditEventSchema.safeParse(event);
      let line: string | undefined;
      try {
        if (parsed.success) line = JSON.stringify(parsed.data);
      } catch {
        // Not serialisable (a BigInt or a cycle in the arguments).
      }
      if (parsed.success && line !== undefined) {
        good.push(parsed.data);
        lines.push(line);
      } else {
        refused.push(inspect(event, { depth: 6, breakLength: Number.POSITIVE_INFINITY }));
      }
    }
    if (refused.length > 0) {
      this.counts.rejected += refused.length;
      this.logger.error(
        { events: refused.length, spoolDir: this.spool.dir },
        "audit events violate the contract",
      );
      await this.spool.reject(refused).catch((error) => {
        this.logger.error({ err: error, events: refused }, "could not keep refused audit events");
      });
    }
    return { events: good, lines };
  }

  /**
   * Enqueues one batch as one job. False (never a throw) when Redis did not take it in time.
   * `lines`, when given, are the events' JSON (prepare() made them): the journal line and
   * the MAC are built from them rather than encoding every event twice more.
   */
  private async send(events: AuditEvent[], lines?: readonly string[]): Promise<boolean> {
    const jobId = batchJobId(events);
    try {
      // Lost the connection after having had it: an outage, do not wait out the timeout.
      // (Before the first connection, at boot, the timeout governs: Redis is probably coming.)
      if (this.wasReady && this.redis.status !== "ready")
        throw new Error(`redis connection is ${this.redis.status}`);
      // In the journal before the queue: kept until the worker says it is stored.
      await this.journal.record({ id: jobId, events }, this.ackTimeoutMs, lines);
      await withTimeout(
        // A content-derived job id lets BullMQ drop a batch re-sent after a timeout.
        this.queue.add(JOBS.auditIngest, this.payload(events, lines), { jobId }),
        this.enqueueTimeoutMs,
        "audit enqueue",
      );
    } catch (error) {
      // The caller keeps the batch (spool, or the file being replayed): the journal need not.
      await this.journal.forget(jobId).catch(() => {});
      if (!this.redisDown) {
        this.redisDown = true;
        this.logger.warn({ err: error }, "audit enqueue failed; spooling to disk until Redis answers");
      }
      // Connected and answering, yet failing: BullMQ's connection setup may have died
      // mid-way (it never recovers from that by itself). Start over with a fresh Queue.
      if (this.redis.status === "ready" && !(error instanceof TimeoutError)) this.renewQueue();
      return false;
    }
    if (this.redisDown) {
      this.redisDown = false;
      this.logger.info({}, "audit enqueue works again");
    }
    this.counts.enqueued += events.length;
    this.counts.jobs += 1;
    return true;
  }

  private payload(events: AuditEvent[], lines?: readonly string[]): AuditIngestPayload {
    const sink = this.spool.owner;
    if (!this.macKey) return { events, sink };
    return { events, sink, mac: signAuditJob(this.macKey, { events, sink }, lines) };
  }

  /**
   * Journal upkeep, once per tick while Redis answers: forget what the worker stored, send
   * again what it has not acknowledged in time, and send the segments of gone sinks.
   */
  private async tendJournal(): Promise<void> {
    await this.journal.ack(await takeAcks(this.redis, this.names, this.spool.owner));
    await this.journal.rotate();
    for (const batch of await this.journal.overdue(this.ackTimeoutMs)) {
      if (!(await this.resend(batch.id, batch.events))) return;
    }
    for (const segment of await this.journal.adoptOrphans()) {
      for await (const batch of this.journal.readSegment(segment)) {
        // Through send(): journaled again, under this sink, until the worker acknowledges it.
        if (!(await this.send(batch.events))) return;
        this.counts.resent += batch.events.length;
      }
      await this.journal.removeSegment(segment);
    }
  }

  /** Re-enqueues a journaled batch; it stays in the journal either way. */
  private async resend(jobId: string, events: AuditEvent[]): Promise<boolean> {
    try {
      await withTimeout(
        this.queue.add(JOBS.auditIngest, this.payload(events), { jobId }),
        this.enqueueTimeoutMs,
        "audit resend",
      );
    } catch (error) {
      this.logger.debug({ err: error }, "audit resend failed; next tick");
      return false;
    }
    this.counts.resent += events.length;
    return true;
  }

  /** Waits (bounded) until every journaled batch is acknowledged. */
  private async awaitAcks(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.journal.unackedEvents() > 0 && Date.now() < deadline && this.redis.status === "ready") {
      try {
        await this.journal.ack(await takeAcks(this.redis, this.names, this.spool.owner));
      } catch {
        return;
      }
      if (this.journal.unackedEvents() > 0) await new Promise((r) => setTimeout(r, 50));
    }
  }

  private renewQueue(): void {
    const old = this.queue;
    this.queue = this.createQueue();
    void old.close().catch(() => {});
  }

  private async replay(): Promise<void> {
    await this.spool.heartbeat();
    const files = await this.spool.claimPending();
    const alive = await withTimeout(this.redis.ping(), this.enqueueTimeoutMs, "redis ping").then(
      () => true,
      () => false,
    );
    if (alive) {
      await this.tendJournal().catch((error) =>
        this.logger.warn({ err: error }, "audit journal upkeep failed; next tick"),
      );
    }
    if (files.length === 0) {
      this.spooling = false;
      return;
    }
    if (!alive) return;
    await this.spool.seal();
    let sent = 0;
    for (const file of files) {
      const result = await this.spool.replayFile(file, this.batchSize, async (events) => {
        if (!(await this.send(events))) return false;
        sent += events.length;
        this.counts.replayed += events.length;
        return true;
      });
      if (!result.done) {
        this.logger.warn({ sent, file: file.name }, "audit spool replay interrupted");
        return;
      }
    }
    this.logger.info({ events: sent, files: files.length }, "replayed the audit spool");
    this.spooling = false;
  }

  /** After close nothing is sent: straight to disk, synchronously, so nothing is lost. */
  private recordAfterClose(...events: AuditEvent[]): void {
    const lines = events.map((event) => JSON.stringify(event));
    this.spool.appendSync(lines);
    this.counts.spooled += events.length;
    this.logger.warn({ events: events.length }, "audit event recorded after close went to the spool");
  }
}

/** Same events, same id: the id of a batch is a digest of its event ids. */
function batchJobId(events: AuditEvent[]): string {
  const hash = createHash("sha256");
  for (const event of events) hash.update(event.id).update("\n");
  return `b-${hash.digest("hex").slice(0, 32)}`;
}
