import { closeSync, fsyncSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { type FileHandle, open, readdir, rename, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type AuditEvent, auditEventSchema } from "@portcullis/contracts/audit";
import { randomToken } from "@portcullis/contracts/ids";
import type { Logger } from "./logger";
import { appendLinesDurably, keepFrom, readLines, syncDir } from "./spool-lines";
import {
  isOwnerGone,
  ownerFileContent,
  ownerFileName,
  parseSpoolFileName,
  type SpoolFile,
  spoolFileName,
  takenOverName,
} from "./spool-owners";

export interface AuditSpoolOptions {
  dir: string;
  /** Another sink's files are taken over once its owner file is this old. */
  staleAfterMs: number;
  logger: Logger;
}

export interface ReplayResult {
  /** True when the whole file was delivered (and deleted). */
  done: boolean;
  /** Corrupt lines moved to the `.bad` file. */
  bad: number;
}

/**
 * The gateway's on-disk audit spool: JSON Lines, one event per line, fsync'd per batch,
 * one active file per sink. Knows nothing about Redis: the sink hands it a `send` function.
 */
export class AuditSpool {
  readonly dir: string;
  readonly owner: string;
  private readonly staleAfterMs: number;
  private readonly logger: Logger;
  private active: { path: string; handle: FileHandle } | undefined;
  private seq = 0;

  constructor(options: AuditSpoolOptions) {
    this.dir = options.dir;
    this.staleAfterMs = options.staleAfterMs;
    this.logger = options.logger;
    this.owner = `${process.pid}.${randomToken(8)}`;
    // Synchronous on purpose: the sink is built once at boot, and the owner file must exist
    // before any other sink in this directory looks at our files.
    // Spooled events carry tool arguments: readable by this user only.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(this.dir, ownerFileName(this.owner)), ownerFileContent(), { mode: 0o600 });
  }

  /** Appends one batch (already serialised lines) to the active file and fsyncs it. */
  async append(lines: readonly string[]): Promise<void> {
    const active = this.active ?? (await this.openActive());
    try {
      await active.handle.appendFile(`${lines.join("\n")}\n`);
      await active.handle.sync();
    } catch (error) {
      // A partial write leaves a torn last line: start a fresh file so the next batch
      // does not glue itself onto it (the torn line ends up in `.bad` at replay).
      await this.seal();
      throw error;
    }
  }

  /**
   * Last resort after close: writes a batch to a file of its own, synchronously, so an
   * event recorded during shutdown still reaches the disk.
   */
  appendSync(lines: readonly string[]): void {
    const path = join(this.dir, spoolFileName(Date.now(), this.nextSeq(), this.owner));
    const fd = openSync(path, "a", 0o600);
    try {
      writeSync(fd, `${lines.join("\n")}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Keeps events that can never be sent (they fail the contract) for a human to look at. */
  async reject(lines: readonly string[]): Promise<void> {
    await appendLinesDurably(join(this.dir, `rejected-${this.owner}.bad`), lines);
  }

  /** Closes the active file so that replay can read it whole; the next append opens a new one. */
  async seal(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    await active?.handle.close();
  }

  /** Tells other sinks sharing the directory that this one is alive. */
  async heartbeat(): Promise<void> {
    const path = join(this.dir, ownerFileName(this.owner));
    const now = new Date();
    try {
      await utimes(path, now, now);
    } catch {
      // Someone removed it (or the directory): write it again.
      await writeFile(path, ownerFileContent(), { mode: 0o600 });
    }
  }

  /**
   * Files this sink must replay, oldest first: its own, plus those of gone owners, which it
   * takes over by renaming (a lost rename race means another sink took the file: skip it).
   */
  async claimPending(): Promise<SpoolFile[]> {
    const names = await readdir(this.dir);
    const files = names.flatMap((name) => parseSpoolFileName(name) ?? []);
    const gone = new Map<string, boolean>();
    const mine: SpoolFile[] = [];
    for (const file of files) {
      if (file.owner === this.owner) {
        mine.push(file);
        continue;
      }
      if (!gone.has(file.owner))
        gone.set(file.owner, await isOwnerGone(this.dir, file.owner, this.staleAfterMs));
      if (!gone.get(file.owner)) continue;
      const name = takenOverName(file, this.owner);
      try {
        await rename(join(this.dir, file.name), join(this.dir, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw error;
      }
      this.logger.info({ file: file.name, from: file.owner }, "took over an audit spool file");
      mine.push({ name, base: file.base, owner: this.owner });
    }
    // Every file of a gone owner has now been renamed away (by us or by a faster sink).
    for (const [owner, isGone] of gone) {
      if (isGone) await rm(join(this.dir, ownerFileName(owner)), { force: true });
    }
    return mine.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  }

  /**
   * Sends a file's events in batches, in order. Progress is kept on disk only when a send
   * fails (the unsent rest replaces the file); a crash mid-file re-sends some events,
   * which the worker ignores (idempotent by event id). Corrupt lines go to `<base>.bad`.
   */
  async replayFile(
    file: SpoolFile,
    batchSize: number,
    send: (events: AuditEvent[]) => Promise<boolean>,
  ): Promise<ReplayResult> {
    const path = join(this.dir, file.name);
    let events: AuditEvent[] = [];
    let badLines: string[] = [];
    let bad = 0;
    let delivered = 0; // bytes before this offset are sent (or moved to .bad)
    let read = 0;
    const commit = async (): Promise<boolean> => {
      if (events.length > 0 && !(await send(events))) return false;
      // Written after the send so that a failed send does not copy the same bad line twice.
      if (badLines.length > 0) await this.keepBadLines(file, badLines);
      bad += badLines.length;
      delivered = read;
      events = [];
      badLines = [];
      return true;
    };
    let ok = true;
    for await (const line of readLines(path)) {
      read = line.end;
      const event = parseLine(line.text);
      if (event) events.push(event);
      else if (line.text.trim() !== "") badLines.push(line.text);
      if (events.length >= batchSize && !(await commit())) {
        ok = false;
        break;
      }
    }
    if (ok) ok = await commit();
    if (!ok) {
      await keepFrom(path, delivered);
      return { done: false, bad };
    }
    await rm(path);
    return { done: true, bad };
  }

  /** Closes the active file and withdraws the owner file, so leftover files are free to take over. */
  async close(): Promise<void> {
    await this.seal();
    await rm(join(this.dir, ownerFileName(this.owner)), { force: true });
  }

  private async openActive(): Promise<{ path: string; handle: FileHandle }> {
    const path = join(this.dir, spoolFileName(Date.now(), this.nextSeq(), this.owner));
    const handle = await open(path, "a", 0o600);
    await syncDir(this.dir);
    this.active = { path, handle };
    return this.active;
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) % 1_000_000;
    return this.seq;
  }

  private async keepBadLines(file: SpoolFile, lines: string[]): Promise<void> {
    const badPath = join(this.dir, `${file.base}.bad`);
    await appendLinesDurably(badPath, lines);
    this.logger.warn(
      { file: file.name, lines: lines.length, badFile: badPath },
      "skipped corrupt audit spool lines",
    );
  }
}

/** A spool line is an event exactly as the contract says, or it is corrupt. */
function parseLine(text: string): AuditEvent | undefined {
  try {
    const parsed = auditEventSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
