import { basename } from "node:path";
import type { Readable } from "node:stream";
import {
  type JSONRPCMessage,
  ReadBuffer,
  SdkError,
  SdkErrorCode,
  serializeMessage,
  type Transport,
} from "@modelcontextprotocol/client";
import { getDefaultEnvironment } from "@modelcontextprotocol/client/stdio";
import { type GroupChild, spawnGroupLeader, stopGroup } from "./process-group";

/** The server process could not be started (command not found, not executable…). */
export class ProcessStartError extends Error {
  constructor(
    command: string,
    readonly errno: string | undefined,
  ) {
    super(
      basename(command) === "bwrap" && errno === "ENOENT"
        ? "the stdio sandbox cannot start: bubblewrap is not installed (apt-get install -y bubblewrap, or PORTCULLIS_STDIO_SANDBOX=none)"
        : `failed to start '${basename(command)}'${errno ? ` (${errno})` : ""}`,
    );
    this.name = "ProcessStartError";
  }
}

/** The server process exited before the MCP handshake completed. */
export class ProcessExitedError extends Error {
  constructor(readonly exit: string) {
    super(`the server process ${exit} before completing the MCP handshake`);
    this.name = "ProcessExitedError";
  }
}

export interface StdioParams {
  command: string;
  args: string[];
  /** Merged over the SDK's minimal safe environment (PATH, HOME, USER, SHELL, TERM, LOGNAME). */
  env: Record<string, string>;
  /** `env` is the whole environment (the launcher already built it): nothing is merged in. */
  replaceEnv?: boolean;
  cwd?: string;
  /** Each line the server writes to stderr. */
  onStderr?: (line: string) => void;
  /** How long a stopping server gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

/**
 * MCP over a child's stdin/stdout, with the child leading its own process group so that
 * closing (or the child crashing) never leaves grandchildren behind. The SDK's own stdio
 * transport signals only the direct child, which orphans the real server behind `npx`.
 *
 * It exposes `pid` and `stderr` like the SDK's transport, which is how the client knows it
 * is on stdio (a `server/discover` probe that times out there means a legacy server).
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private group: GroupChild | undefined;
  private readonly readBuffer = new ReadBuffer();
  private closeNotified = false;

  constructor(private readonly params: StdioParams) {}

  get pid(): number | null {
    return this.group?.pid ?? null;
  }

  /** True while the process is running. */
  get alive(): boolean {
    const child = this.group?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** How the process ended ("exited with code 1", "was killed by SIGKILL"), once it has. */
  get exitDescription(): string | undefined {
    const child = this.group?.child;
    if (!child) return undefined;
    if (child.signalCode !== null) return `was killed by ${child.signalCode}`;
    if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
    return undefined;
  }

  get stderr(): Readable | null {
    return this.group?.child.stderr ?? null;
  }

  async start(): Promise<void> {
    if (this.group) throw new Error("ProcessGroupStdioTransport already started");
    try {
      this.group = await spawnGroupLeader(this.params.command, this.params.args, {
        env: this.params.replaceEnv ? this.params.env : { ...getDefaultEnvironment(), ...this.params.env },
        cwd: this.params.cwd,
      });
    } catch (error) {
      throw new ProcessStartError(this.params.command, (error as NodeJS.ErrnoException).code);
    }
    const { child, exited } = this.group;
    child.stdout?.on("data", (chunk: Buffer) => {
      try {
        this.readBuffer.append(chunk);
      } catch (error) {
        // One message over the buffer limit: the stream cannot be resynchronised.
        this.onerror?.(error as Error);
        void this.close();
        return;
      }
      this.drain();
    });
    child.stdout?.on("error", (error) => this.onerror?.(error));
    child.stdin?.on("error", (error) => this.onerror?.(error));
    forwardLines(child.stderr, this.params.onStderr);
    void exited.then(() => this.notifyClosed());
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.group?.child.stdin;
    if (!stdin || !this.alive || stdin.destroyed) {
      return Promise.reject(new SdkError(SdkErrorCode.NotConnected, "Not connected"));
    }
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once("drain", resolve);
    });
  }

  async close(): Promise<void> {
    if (this.group) await stopGroup(this.group, this.params.killGraceMs ?? 2_000);
    this.readBuffer.clear();
    this.notifyClosed();
  }

  private drain(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a server logging to stdout): report it and go on.
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  private notifyClosed(): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.onclose?.();
  }
}

/** Reads a stream line by line (always consuming it, so a chatty server never blocks on a full pipe). */
function forwardLines(stream: Readable | null, onLine: ((line: string) => void) | undefined): void {
  if (!stream) return;
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    if (!onLine) return;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") onLine(line.slice(0, 1_000));
    if (pending.length > 10_000) pending = pending.slice(-1_000);
  });
  stream.on("error", () => {});
}
