import { connectTimeoutMs, UpstreamConnection } from "./connection";
import { toUpstreamError, unavailable } from "./errors";
import { ProcessExitedError } from "./stdio-transport";
import type { TransportPolicy } from "./transport";
import type { UpstreamLogger, UpstreamSpec } from "./types";

export interface EntrySettings {
  clientInfo: { name: string; version: string };
  policy: TransportPolicy;
  logger: UpstreamLogger;
  idleTimeoutMs: number;
  maxCallsPerConnection: number;
  traceContext?: () => Record<string, string> | undefined;
}

/**
 * Everything the pool holds for one spec: the connection that new requests use, the one
 * being established (single-flight: concurrent first calls share it), and retired
 * connections that are draining their in-flight requests before they close.
 */
export class PoolEntry {
  private current: UpstreamConnection | undefined;
  private connecting: Promise<UpstreamConnection> | undefined;
  private readonly retiring = new Set<UpstreamConnection>();
  private active = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Set when the server died on the `server/discover` probe: skip the probe from then on. */
  private legacyOnly = false;

  constructor(
    public spec: UpstreamSpec,
    private readonly settings: EntrySettings,
  ) {}

  /**
   * A usable connection with one request reserved on it (the caller must `release()` it):
   * the current one, or a new one when there is none or the current one has served its
   * `maxCallsPerConnection` (it then drains and closes in the background).
   */
  async acquire(): Promise<UpstreamConnection> {
    // A server that dies right after every handshake must not keep one caller looping.
    let deadOnArrival = 0;
    for (;;) {
      if (this.closed)
        throw unavailable(this.spec.name, "its connection was closed (server removed or changed)");
      const current = this.current;
      if (current?.usable && current.calls < this.settings.maxCallsPerConnection) {
        // Reserved synchronously, so a burst of callers cannot overshoot the limit.
        current.reserve();
        return current;
      }
      if (current) {
        this.current = undefined;
        if (current.usable) this.retire(current);
        else {
          void current.close();
          if (++deadOnArrival > 3)
            throw unavailable(this.spec.name, "the connection keeps closing right after connecting");
        }
      }
      this.connecting ??= this.connect().finally(() => {
        this.connecting = undefined;
      });
      // Loop rather than return: the waiters of one connect still respect the call limit.
      await this.connecting;
    }
  }

  /** Drops a connection that failed underneath a request, so the next request reconnects. */
  discard(connection: UpstreamConnection): void {
    if (this.current === connection) this.current = undefined;
    this.retiring.delete(connection);
    void connection.close();
  }

  /** Marks a request as started (stops the idle clock). */
  begin(): void {
    this.active++;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Marks a request as finished (starts the idle clock when nothing else runs). */
  end(): void {
    this.active--;
    if (this.active > 0 || this.closed) return;
    this.idleTimer = setTimeout(() => this.closeIdle(), this.settings.idleTimeoutMs);
    this.idleTimer.unref();
  }

  /** Open connections (current and draining) and the pids of live stdio processes. */
  snapshot(): { connections: number; pids: number[] } {
    const all = [...(this.current ? [this.current] : []), ...this.retiring];
    const open = all.filter((c) => c.usable);
    return {
      connections: open.length,
      pids: open.map((c) => c.pid).filter((pid): pid is number => pid !== undefined),
    };
  }

  /** Closes everything; with `drainMs`, in-flight requests get that long to finish first. */
  async close(drainMs = 0): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const connecting = this.connecting?.catch(() => undefined);
    const all = [...(this.current ? [this.current] : []), ...this.retiring];
    this.current = undefined;
    this.retiring.clear();
    const late = await connecting;
    if (late && !all.includes(late)) all.push(late);
    await Promise.all(all.map((c) => c.drainAndClose(drainMs)));
  }

  private async connect(): Promise<UpstreamConnection> {
    const spec = this.spec;
    let connection: UpstreamConnection;
    try {
      connection = await this.open(spec);
    } catch (error) {
      throw toUpstreamError(spec.name, error, connectTimeoutMs(spec));
    }
    if (this.closed) {
      await connection.close();
      throw unavailable(spec.name, "its connection was closed (server removed or changed)");
    }
    this.current = connection;
    this.settings.logger.info(
      { server: spec.name, protocolVersion: connection.protocolVersion, pid: connection.pid },
      "connected to upstream",
    );
    return connection;
  }

  private async open(spec: UpstreamSpec): Promise<UpstreamConnection> {
    const options = {
      clientInfo: this.settings.clientInfo,
      logger: this.settings.logger,
      policy: this.settings.policy,
      ...(this.settings.traceContext && { traceContext: this.settings.traceContext }),
    };
    try {
      return await UpstreamConnection.open(spec, { ...options, legacyOnly: this.legacyOnly });
    } catch (error) {
      // Some stdio servers exit on any request before `initialize`, including the
      // `server/discover` probe: retry once, straight to the 2025 handshake.
      if (spec.transport !== "stdio" || this.legacyOnly || !(error instanceof ProcessExitedError))
        throw error;
      const connection = await UpstreamConnection.open(spec, { ...options, legacyOnly: true });
      this.legacyOnly = true;
      return connection;
    }
  }

  private retire(connection: UpstreamConnection): void {
    this.retiring.add(connection);
    // In-flight requests carry their own timeouts; give them that long to finish.
    void connection
      .drainAndClose(this.spec.timeoutMs + 1_000)
      .finally(() => this.retiring.delete(connection));
  }

  private closeIdle(): void {
    this.idleTimer = undefined;
    if (this.active > 0 || this.connecting || !this.current) return;
    const idle = this.current;
    this.current = undefined;
    this.settings.logger.info({ server: this.spec.name, pid: idle.pid }, "closing idle upstream connection");
    void idle.close();
  }
}
