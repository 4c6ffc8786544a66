import { readFile, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

/**
 * Spool file naming and ownership.
 *
 * Files: `audit-<createdAt ms, 13 digits>-<seq, 6 digits>-<creator>[~<owner>].jsonl`.
 * The name sorts in creation order, and its last token says which sink owns it. A sink
 * takes over another's file with one atomic rename (adding `~<its token>`), so two
 * gateways sharing a directory can never both replay the same file.
 *
 * Owners: each live sink keeps `owner-<token>.json` ({ pid, host }) and touches it on
 * every replay tick. An owner is gone when that file is missing (closed cleanly with
 * events left over), when its pid is dead on this host (crashed), or when the file has not
 * been touched for `staleAfterMs` (another host or pid namespace, or a reused pid).
 */

export interface SpoolFile {
  name: string;
  /** `audit-<createdAt>-<seq>-<creator>`: stable across takeovers, used to order and name `.bad` files. */
  base: string;
  owner: string;
}

const SPOOL_FILE = /^(audit-\d{13}-\d{6}-([A-Za-z0-9.]+))(?:~([A-Za-z0-9.]+))?\.jsonl$/;

export function spoolFileName(createdAt: number, seq: number, owner: string): string {
  return `audit-${String(createdAt).padStart(13, "0")}-${String(seq).padStart(6, "0")}-${owner}.jsonl`;
}

export function parseSpoolFileName(name: string): SpoolFile | undefined {
  const match = SPOOL_FILE.exec(name);
  if (!match) return undefined;
  const [, base, creator, owner] = match;
  return { name, base: base!, owner: owner ?? creator! };
}

/** The name a file gets when `owner` takes it over. */
export function takenOverName(file: SpoolFile, owner: string): string {
  return `${file.base}~${owner}.jsonl`;
}

export function ownerFileName(owner: string): string {
  return `owner-${owner}.json`;
}

export function ownerFileContent(): string {
  return JSON.stringify({ pid: process.pid, host: hostname() });
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the sink `owner` can no longer replay its own files (see the module comment). */
export async function isOwnerGone(dir: string, owner: string, staleAfterMs: number): Promise<boolean> {
  const path = join(dir, ownerFileName(owner));
  let mtimeMs: number;
  let text: string;
  try {
    mtimeMs = (await stat(path)).mtimeMs;
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
  try {
    const { pid, host } = JSON.parse(text) as { pid?: unknown; host?: unknown };
    if (host === hostname() && typeof pid === "number" && !isPidAlive(pid)) return true;
  } catch {
    // An unreadable owner file (crash while writing it) falls back to its age.
  }
  return Date.now() - mtimeMs > staleAfterMs;
}
