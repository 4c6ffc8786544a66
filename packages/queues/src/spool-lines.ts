import { createReadStream, createWriteStream } from "node:fs";
import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";

export interface SpoolLine {
  text: string;
  /** Byte offset just past this line's newline: where the rest of the file starts. */
  end: number;
}

const NEWLINE = 0x0a;

/**
 * Streams a JSON Lines file line by line with exact byte offsets. Splits raw bytes rather
 * than using readline, so a corrupt (non-UTF-8) line cannot skew the offsets used to keep
 * the unsent remainder of a file.
 */
export async function* readLines(path: string): AsyncGenerator<SpoolLine> {
  let carry: Buffer = Buffer.alloc(0);
  let carryStart = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      yield { text: buf.toString("utf8", start, nl), end: carryStart + nl + 1 };
      start = nl + 1;
    }
    carry = buf.subarray(start);
    carryStart += start;
  }
  // A last line without a newline is what a crash in the middle of a write leaves behind.
  if (carry.length > 0) yield { text: carry.toString("utf8"), end: carryStart + carry.length };
}

/** fsyncs a directory so that a file created, renamed or deleted in it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Appends lines to a file and fsyncs it before resolving. */
export async function appendLinesDurably(path: string, lines: readonly string[]): Promise<void> {
  const handle = await open(path, "a", 0o600);
  try {
    await handle.appendFile(`${lines.join("\n")}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with its bytes from `offset` on, atomically (copy, fsync, rename): a crash
 * at any point leaves either the old file or the new one, never half of each.
 */
export async function keepFrom(path: string, offset: number): Promise<void> {
  if (offset <= 0) return;
  const tmp = `${path}.tmp`;
  await pipeline(createReadStream(path, { start: offset }), createWriteStream(tmp, { mode: 0o600 }));
  const handle = await open(tmp, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await syncDir(dirname(path));
}
