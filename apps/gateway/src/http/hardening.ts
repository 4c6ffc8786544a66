import type { HttpTimeouts } from "./http-server";

/**
 * The gateway's availability limits (#10 point 12), from GATEWAY_* in main.ts; tests
 * shorten them. Every field has a production default.
 */
export interface GatewayHardening {
  timeouts?: HttpTimeouts;
  /**
   * Refuse MCP requests once Redis has not confirmed the held snapshot for this long:
   * a gateway cut off from Redis would otherwise honour revoked keys forever. Default 5 min.
   */
  maxSnapshotAgeMs?: number;
  /** Serve a stale snapshot anyway (an installation that prefers availability). Default false. */
  snapshotFailOpen?: boolean;
  /** Unauthenticated requests per client address and window before 429s; one audit summary per window. */
  unauthenticated?: { limit: number; windowMs: number };
}

export const DEFAULT_MAX_SNAPSHOT_AGE_MS = 300_000;
export const DEFAULT_UNAUTHENTICATED = { limit: 30, windowMs: 60_000 };

/** What one window of unauthenticated requests looked like, for its one audit event. */
export interface UnauthenticatedSummary {
  windowMs: number;
  total: number;
  /** Of them, answered 429 (the address was over its limit). */
  limited: number;
  /** The busiest addresses first, at most 20. */
  addresses: Array<{ address: string; count: number }>;
}

/**
 * Counts unauthenticated requests per client address in windows that open with the first
 * one and last `windowMs`. Over `limit` in a
 * window, an address's further unauthenticated requests are answered 429 (agents with a
 * valid key are never limited by it). Instead of an audit row per refused request, each
 * window that saw any ends in one summary (`onSummary`), so a flood cannot flood the log.
 * Per gateway process: behind several replicas an address gets `limit` on each.
 */
export class UnauthenticatedGuard {
  private counts = new Map<string, number>();
  private limited = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: {
      limit: number;
      windowMs: number;
      onSummary: (s: UnauthenticatedSummary) => void;
    },
  ) {}

  /** Counts one unauthenticated request from `address`; true when it is over the limit (answer 429). */
  refuse(address: string): boolean {
    // A window opens with its first unauthenticated request: a quiet gateway runs no timer.
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.options.windowMs);
      this.timer.unref();
    }
    const count = (this.counts.get(address) ?? 0) + 1;
    // A flood from ever-new addresses must not grow the map without bound.
    if (this.counts.size < 100_000 || this.counts.has(address)) this.counts.set(address, count);
    const over = count > this.options.limit;
    if (over) this.limited++;
    return over;
  }

  /** Seconds until the current window ends at the latest (Retry-After). */
  retryAfterSec(): number {
    return Math.ceil(this.options.windowMs / 1000);
  }

  /** Ends the window: one summary if anything was refused, then counting starts again. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.counts.size === 0) return;
    let total = 0;
    for (const n of this.counts.values()) total += n;
    const addresses = [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([address, count]) => ({ address, count }));
    const summary = { windowMs: this.options.windowMs, total, limited: this.limited, addresses };
    this.counts = new Map();
    this.limited = 0;
    this.options.onSummary(summary);
  }

  close(): void {
    this.flush();
  }
}
