import type { RedisNames } from "@portcullis/contracts/redis-keys";
import { configSnapshot } from "@portcullis/contracts/snapshot";
import {
  type PublishedSnapshotText,
  readSnapshotIfNewer,
  subscribeToSnapshots,
} from "@portcullis/queues/snapshot-protocol";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { CompiledSnapshot } from "./compiled-snapshot";

export interface SnapshotStoreOptions {
  /** Command connection (GET). */
  redis: Redis;
  /** A second connection used only for SUBSCRIBE (ioredis puts it in subscriber mode). */
  subscriber: Redis;
  names: RedisNames;
  secretKey: Buffer;
  logger: Logger;
  /** Poll interval: the safety net behind pub/sub, so a missed message costs at most this. */
  pollMs?: number;
  onSwap?: (next: CompiledSnapshot, previous: CompiledSnapshot | null) => void;
  /** A published version was refused (bad or missing MAC, or unparseable); the last good one stays. */
  onRefused?: (refusal: { version: number; reason: string; held: number | null }) => void;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * Holds the gateway's configuration in memory. Learns of new versions by pub/sub and by
 * polling the version key, swaps atomically (one reference assignment), and keeps the last
 * good snapshot when Redis is unreachable or a document fails to parse.
 */
export class SnapshotStore {
  private snapshot: CompiledSnapshot | null = null;
  private rejectedVersion = -1;
  private loading: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  lastError: string | null = null;
  /**
   * When Redis last confirmed that the held snapshot is the current authentic one (epoch ms;
   * null before the first load). A gateway cut off from Redis, or fed only forged versions,
   * stops advancing it: see `ageMs`.
   */
  confirmedAt: number | null = null;

  constructor(private readonly options: SnapshotStoreOptions) {}

  current(): CompiledSnapshot | null {
    return this.snapshot;
  }

  /** How long ago Redis last confirmed the held snapshot as current (Infinity when never). */
  ageMs(): number {
    return this.confirmedAt === null ? Number.POSITIVE_INFINITY : this.now() - this.confirmedAt;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  async start(): Promise<void> {
    const { subscriber, names, logger } = this.options;
    // Re-subscribing after a reconnect is done by ioredis; a refresh catches what was missed.
    subscriber.on("ready", () => void this.refresh());
    try {
      await subscribeToSnapshots(subscriber, names, () => void this.refresh());
    } catch (err) {
      logger.warn({ err: String(err) }, "snapshot channel subscribe failed; relying on polling");
    }
    await this.refresh();
    const pollMs = this.options.pollMs ?? 500;
    this.timer = setInterval(() => void this.refresh(), pollMs);
    this.timer.unref();
  }

  /** Loads the published version if it is newer than the one held. Never throws. */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Single-flight: a burst of notifications causes one load.
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const { redis, names, logger, secretKey } = this.options;
    let published: PublishedSnapshotText | null;
    try {
      published = await readSnapshotIfNewer(
        redis,
        names,
        this.snapshot?.version ?? -1,
        this.rejectedVersion,
        secretKey,
      );
    } catch (err) {
      const message = `redis unreachable: ${(err as Error).message}`;
      if (this.lastError !== message)
        logger.warn({ err: message }, "cannot refresh snapshot; serving the last good one");
      this.lastError = message;
      return;
    }
    if (published === null) {
      // Nothing newer, or only the version already refused: confirmed only in the first case.
      if (this.snapshot && this.rejectedVersion <= this.snapshot.version) this.confirmedAt = this.now();
      return;
    }
    if (!published.authentic) {
      // Whoever wrote this does not hold PORTCULLIS_SECRET_KEY (or it differs from ours):
      // Redis is not trusted with the configuration, so keep serving the last good one.
      this.refuse(published.version, "missing or invalid MAC (not signed with this installation's key)");
      return;
    }
    try {
      const doc = configSnapshot.parse(JSON.parse(published.documentJson));
      if (this.snapshot && doc.version <= this.snapshot.version) return;
      const next = new CompiledSnapshot(doc, secretKey);
      const previous = this.snapshot;
      this.snapshot = next;
      this.lastError = null;
      this.confirmedAt = this.now();
      logger.info({ version: doc.version, previous: previous?.version ?? null }, "snapshot loaded");
      this.options.onSwap?.(next, previous);
    } catch (err) {
      this.refuse(published.version, (err as Error).message.slice(0, 500));
    }
  }

  private refuse(version: number, reason: string): void {
    this.rejectedVersion = version;
    this.lastError = `snapshot version ${version} rejected: ${reason}`;
    const held = this.snapshot?.version ?? null;
    this.options.logger.error(
      { version, held, err: this.lastError },
      "snapshot rejected; keeping the last good one",
    );
    this.options.onRefused?.({ version, reason, held });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.loading;
  }
}
