/** The bounds of one `execute` run; each has its own error message (sandbox.ts). */
export interface SandboxLimits {
  /** Time the interpreter itself runs; waiting on tool calls (or an approval) does not count. */
  cpuMs: number;
  memoryBytes: number;
  stackBytes: number;
  /** console output and the returned value's JSON together. */
  outputBytes: number;
  toolCalls: number;
  /** Runs at once on one gateway process (each holds its own WebAssembly memory). */
  concurrentRuns: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  cpuMs: 1_000,
  memoryBytes: 32 * 1024 * 1024,
  // QuickJS's frames in WebAssembly also use the host's stack: far above this, Node's own overflows first.
  stackBytes: 256 * 1024,
  outputBytes: 64 * 1024,
  toolCalls: 50,
  concurrentRuns: 8,
};

export type SandboxLimitKind = "cpu" | "memory" | "output" | "toolCalls";

export function limitMessage(kind: SandboxLimitKind, limits: SandboxLimits): string {
  switch (kind) {
    case "cpu":
      return `execute stopped: CPU time limit of ${limits.cpuMs} ms exceeded`;
    case "memory":
      return `execute stopped: memory limit of ${Math.round(limits.memoryBytes / 1024 / 1024)} MiB exceeded`;
    case "output":
      return `execute stopped: output limit of ${limits.outputBytes} bytes exceeded`;
    case "toolCalls":
      return `execute stopped: limit of ${limits.toolCalls} tool calls reached`;
  }
}
