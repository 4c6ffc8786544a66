import { mkdirSync } from "node:fs";
import { type FileHandle, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { type AuditEvent, auditEventSchema } from "@portcullis/contracts/audit";
import type { Logger } from "./logger";
import { readLines, syncDir } from "./spool-lines";
import { isOwnerGone } from "./spool-owners";

export interface AuditJournalOptions {
  /** The journal's own directory (the sink uses `<spoolDir>/journal`). */
  dir: string;
  /** Where owner files live (the spool directory): a gone owner's segments are adopted. */
  ownersDir: string;
  /** The sink's owner token (the same as its spool's). */
  owner: string;
  staleAfterMs: number;
  logger: Logger;
  /** A segment is sealed after this many batches or this long, whichever comes first. */
  segmentBatches?: number;
  segmentMs?: number;
}

export interface JournalBatch {
  id: string;
  events: AuditEvent[];
}

interface Pending {
  segment: string;
  events: number;
  /** When the batch is due to be sent again if no ack came. */
  dueAt: number;
  resends: number;
}

/** A resend waits twice as long as the one before, up to this: a long worker outage costs little. */
const MAX_RESEND_DELAY_MS = 5 * 60_000;

const SEGMENT = /^(journal-\d{13}-\d{6}-([A-Za-z0-9.]+))(?:~([A-Za-z0-9.]+))?\.journal$/;

/**
 * The gateway's local record of every batch it has put in the queue, kept until the worker
 * acknowledges the batch as stored (audit-acks.ts). Should Redis lose the queue (restarted
 * empty), the batches still unacknowledged after a timeout are sent again; a gateway that
 * crashed leaves its segments to the next sink in the directory, which sends them all
 * again. Resending is always safe: the worker stores each event once (by event id).
 *
 * Segments are JSON Lines files, one batch per line (`{ id, events }`), fsync'd before the
 * batch is enqueued, and deleted once sealed and fully acknowledged. Only ids are kept in
 * memory; resends read the batches back from disk.
 */
export class AuditJournal {
  readonly dir: string;
  private readonly options: AuditJournalOptions;
  private readonly segmentBatches: number;
  private readonly segmentMs: number;
  private active: { name: string; handle: FileHandle; batches: number; openedAt: number } | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly segments = new Map<string, { unacked: Set<string>; sealed: boolean }>();
  private seq = 0;

  constructor(options: AuditJournalOptions) {
    this.options = options;
    this.dir = options.dir;
    this.segmentBatches = options.segmentBatches ?? 256;
    this.segmentMs = options.segmentMs ?? 5_000;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Events sent and not yet acknowledged. */
  unackedEvents(): number {
    let total = 0;
    for (const entry of this.pending.values()) total += entry.events;
    return total;
  }

  /**
   * Writes a batch durably before it is enqueued. A batch already pending is not written twice.
   * `lines`, when given, are `JSON.stringify` of each event (the sink made them already).
   */
  async record(batch: JournalBatch, ackTimeoutMs: number, lines?: readonly string[]): Promise<void> {
    if (this.pending.has(batch.id)) return;
    const active = this.active ?? (await this.openSegment());
    const line = lines
      ? `{"id":${JSON.stringify(batch.id)},"events":[${lines.join(",")}]}\n`
      : `${JSON.stringify({ id: batch.id, events: batch.events })}\n`;
    await writeAll(active.handle, Buffer.from(line));
    // Data (and the size it grew to) on disk is what a replay needs: fdatasync, not fsync.
    await active.handle.datasync();
    this.segments.get(active.name)!.unacked.add(batch.id);
    this.pending.set(batch.id, {
      segment: active.name,
      events: batch.events.length,
      dueAt: Date.now() + ackTimeoutMs,
      resends: 0,
    });
    active.batches += 1;
    if (active.batches >= this.segmentBatches || Date.now() - active.openedAt >= this.segmentMs) {
      await this.seal();
    }
  }

  /** The worker stored these batches (or, for `forget`, another path now carries them). */
  async ack(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const entry = this.pending.get(id);
      if (!entry) continue;
      this.pending.delete(id);
      const segment = this.segments.get(entry.segment);
      segment?.unacked.delete(id);
      if (segment?.sealed && segment.unacked.size === 0) await this.removeSegment(entry.segment);
    }
  }

  forget(id: string): Promise<void> {
    return this.ack([id]);
  }

  /** Seals the active segment once it is old enough, so acknowledged segments get deleted. */
  async rotate(): Promise<void> {
    if (this.active && Date.now() - this.active.openedAt >= this.segmentMs) await this.seal();
  }

  /**
   * The batches whose ack is overdue, read back from their segments; each is due again
   * after twice the previous wait.
   */
  async overdue(ackTimeoutMs: number): Promise<JournalBatch[]> {
    const now = Date.now();
    const due = new Set<string>();
    for (const entry of this.pending.values()) if (entry.dueAt <= now) due.add(entry.segment);
    const batches: JournalBatch[] = [];
    for (const segment of due) {
      if (this.active?.name === segment) await this.seal();
      for await (const batch of this.readSegment(segment)) {
        const entry = this.pending.get(batch.id);
        if (!entry || entry.dueAt > now) continue;
        entry.resends += 1;
        entry.dueAt = now + Math.min(ackTimeoutMs * 2 ** entry.resends, MAX_RESEND_DELAY_MS);
        batches.push(batch);
      }
    }
    return batches;
  }

  /**
   * Segments of sinks that are gone, renamed to this sink (a lost rename race means another
   * sink took it), oldest first. The caller sends their batches, then `removeSegment`s them.
   */
  async adoptOrphans(): Promise<string[]> {
    const mine: Array<{ name: string; base: string }> = [];
    const gone = new Map<string, boolean>();
    for (const name of await readdir(this.dir)) {
      const match = SEGMENT.exec(name);
      if (!match) continue;
      const [, base, creator, taker] = match;
      const owner = taker ?? creator!;
      if (owner === this.options.owner) {
        // Ours, from a takeover interrupted earlier (live segments are tracked in memory).
        if (!this.segments.has(name)) mine.push({ name, base: base! });
        continue;
      }
      if (!gone.has(owner))
        gone.set(owner, await isOwnerGone(this.options.ownersDir, owner, this.options.staleAfterMs));
      if (!gone.get(owner)) continue;
      const adopted = `${base}~${this.options.owner}.journal`;
      try {
        await rename(join(this.dir, name), join(this.dir, adopted));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw error;
      }
      this.options.logger.info({ file: name, from: owner }, "took over an audit journal segment");
      mine.push({ name: adopted, base: base! });
    }
    return mine.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0)).map((s) => s.name);
  }

  /** Every whole batch of a segment. A torn last line is a batch never enqueued: skipped. */
  async *readSegment(name: string): AsyncGenerator<JournalBatch> {
    for await (const line of readLines(join(this.dir, name))) {
      const batch = parseBatch(line.text);
      if (batch) yield batch;
      else if (line.text.trim() !== "")
        this.options.logger.warn({ file: name }, "skipped a torn audit journal line");
    }
  }

  async removeSegment(name: string): Promise<void> {
    this.segments.delete(name);
    await rm(join(this.dir, name), { force: true });
  }

  /** Closes the active segment; unacknowledged segments stay for the next sink here. */
  async close(): Promise<void> {
    await this.seal();
  }

  private async seal(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    await active.handle.close();
    const segment = this.segments.get(active.name);
    if (!segment) return;
    segment.sealed = true;
    if (segment.unacked.size === 0) await this.removeSegment(active.name);
  }

  private async openSegment(): Promise<NonNullable<AuditJournal["active"]>> {
    this.seq = (this.seq + 1) % 1_000_000;
    const now = Date.now();
    const name = `journal-${String(now).padStart(13, "0")}-${String(this.seq).padStart(6, "0")}-${this.options.owner}.journal`;
    const handle = await open(join(this.dir, name), "a", 0o600);
    await syncDir(this.dir);
    this.segments.set(name, { unacked: new Set(), sealed: false });
    this.active = { name, handle, batches: 0, openedAt: now };
    return this.active;
  }
}

function parseBatch(text: string): JournalBatch | undefined {
  try {
    const value = JSON.parse(text) as { id?: unknown; events?: unknown };
    if (typeof value.id !== "string" || !Array.isArray(value.events)) return undefined;
    const events: AuditEvent[] = [];
    for (const candidate of value.events) {
      const parsed = auditEventSchema.safeParse(candidate);
      if (parsed.success) events.push(parsed.data);
    }
    return events.length > 0 ? { id: value.id, events } : undefined;
  } catch {
    return undefined;
  }
}

/** One write where the file takes it whole (the usual case), looping on a short write. */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
