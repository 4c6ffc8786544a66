import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface Child {
  name: string;
  /** Where its output goes. */
  logFile: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a process of the stack with its output in `<logDir>/<name>.log` (kept as an
 * artifact: the first place to look when a browser test fails).
 */
export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; logDir: string },
): Child {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name,
    logFile,
    process: child,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}

/** Polls `url` until it answers below 500, or fails naming `what` and the log to read. */
export async function waitForHttp(
  url: string,
  what: string,
  child?: Child,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.process.exitCode !== null) {
      throw new Error(`${what} exited with code ${child.process.exitCode}; see ${child.logFile}`);
    }
    try {
      const res = await fetch(url, { redirect: "manual" });
      await res.body?.cancel();
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs / 1000}s`);
}
