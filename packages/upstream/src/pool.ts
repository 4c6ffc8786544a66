import { AppError } from "@portcullis/contracts/errors";
import type { CallChannel } from "./call-channel";
import type { UpstreamConnection } from "./connection";
import { breaksConnection, neverDelivered, toUpstreamError } from "./errors";
import { createOutboundGuard, type OutboundGuard } from "./outbound-guard";
import { PoolEntry } from "./pool-entry";
import { specKey } from "./spec-key";
import { NO_STDIO, type StdioLaunchPolicy } from "./stdio-launch";
import type {
  CallToolResult,
  CompleteRequestParams,
  CompleteResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  StdioLaunchEvent,
  Tool,
  UpstreamLogger,
  UpstreamProgress,
  UpstreamSpec,
} from "./types";

export interface UpstreamPoolOptions {
  clientInfo?: { name: string; version: string };
  /** Stdio processes (and idle HTTP sessions) are closed after this idle time. Default 300_000. */
  idleTimeoutMs?: number;
  /** A connection is replaced (after draining) once it has served this many requests. Default 1000. */
  maxCallsPerConnection?: number;
  logger?: UpstreamLogger;
  /**
   * Runs around each tools/call (the gateway's tracing opens a client span there, active
   * while the call runs). Absent: the call runs as is.
   */
  aroundCall?: <T>(call: { spec: UpstreamSpec; tool: string }, run: () => Promise<T>) => Promise<T>;
  /**
   * The trace context of the current call (W3C `traceparent`, `tracestate`), read when a
   * request leaves: sent as HTTP headers, and in a tools/call's `params._meta` where the MCP
   * conventions carry it. Absent or empty: nothing is added.
   */
  traceContext?: () => Record<string, string> | undefined;
  /**
   * The SSRF guard for HTTP upstreams (createOutboundGuard with the operator's allowlist).
   * Default: a guard with an empty allowlist (no private, loopback or metadata address).
   */
  outbound?: OutboundGuard;
  /** Which stdio commands may start and in what sandbox. Default: none may start. */
  stdio?: StdioLaunchPolicy;
  /** Called for every stdio process started (the gateway audits each launch). */
  onLaunch?: (event: StdioLaunchEvent) => void;
}

export interface CallToolOptions {
  /** Aborting cancels the upstream request; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the spec's timeoutMs for this call. */
  timeoutMs?: number;
  onProgress?: (progress: UpstreamProgress) => void;
  /** Where the upstream's logs and client requests during the call go (see call-channel.ts). */
  channel?: CallChannel;
  /**
   * Send it as one pooled HTTP request and read the answer directly (connection.ts leanCall)
   * when the upstream allows (Streamable HTTP, a 2025 revision, no progress listener).
   */
  lean?: boolean;
}

interface RequestContext {
  timeout: number;
  signal?: AbortSignal;
}

const silentLogger: UpstreamLogger = { info() {}, warn() {}, error() {} };

/**
 * Connections to upstream MCP servers, one per spec, shared by all callers.
 *
 * Connecting is lazy and single-flight; requests are multiplexed over the connection;
 * a broken connection is dropped and the next request reconnects; a connection is
 * recycled after `maxCallsPerConnection` requests. Stdio servers are child processes the
 * pool owns: started on demand, restarted after a crash, stopped when idle, killed on close.
 *
 * Errors: AppError UPSTREAM_UNAVAILABLE (unreachable, handshake or protocol failure),
 * AppError UPSTREAM_TIMEOUT (no answer in time; the request is cancelled upstream),
 * UpstreamRpcError (a JSON-RPC error answered by the server). A tool result with
 * `isError: true` is a normal result.
 */
export class UpstreamPool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly settings;
  private closing: Promise<void> | undefined;

  constructor(options: UpstreamPoolOptions = {}) {
    this.settings = {
      clientInfo: options.clientInfo ?? { name: "portcullis-gateway", version: "0.0.0" },
      logger: options.logger ?? silentLogger,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      maxCallsPerConnection: options.maxCallsPerConnection ?? 1000,
      policy: {
        outbound: options.outbound ?? createOutboundGuard([]),
        stdio: options.stdio ?? NO_STDIO,
        ...(options.onLaunch && { onLaunch: options.onLaunch }),
      },
      ...(options.traceContext && { traceContext: options.traceContext }),
    };
    this.aroundCall = options.aroundCall;
  }

  private readonly aroundCall: UpstreamPoolOptions["aroundCall"];

  /** All tools of the server (every page followed); empty when it declares no tools capability. */
  async listTools(spec: UpstreamSpec): Promise<Tool[]> {
    return this.request(spec, true, {}, async (c, o) =>
      c.supports("tools") ? (await c.listTools(fresh(o))).tools : [],
    );
  }

  /**
   * Calls a tool. Never re-sent after it may have reached the server, so a failure
   * mid-call surfaces instead of running the tool twice.
   */
  callTool(
    spec: UpstreamSpec,
    name: string,
    args: Record<string, unknown>,
    opts: CallToolOptions = {},
  ): Promise<CallToolResult> {
    const run = () =>
      this.request(spec, false, opts, (c, o) =>
        c.callTool(name, args, o, opts.onProgress, this.settings.traceContext?.(), opts.channel, opts.lean),
      );
    return this.aroundCall ? this.aroundCall({ spec, tool: name }, run) : run();
  }

  async listResources(spec: UpstreamSpec): Promise<Resource[]> {
    return this.request(spec, true, {}, async (c, o) =>
      c.supports("resources") ? (await c.client.listResources(undefined, fresh(o))).resources : [],
    );
  }

  async listResourceTemplates(spec: UpstreamSpec): Promise<ResourceTemplate[]> {
    return this.request(spec, true, {}, async (c, o) =>
      c.supports("resources")
        ? (await c.client.listResourceTemplates(undefined, fresh(o))).resourceTemplates
        : [],
    );
  }

  readResource(spec: UpstreamSpec, uri: string): Promise<ReadResourceResult> {
    return this.request(spec, true, {}, (c, o) => c.client.readResource({ uri }, fresh(o)));
  }

  async listPrompts(spec: UpstreamSpec): Promise<Prompt[]> {
    return this.request(spec, true, {}, async (c, o) =>
      c.supports("prompts") ? (await c.client.listPrompts(undefined, fresh(o))).prompts : [],
    );
  }

  getPrompt(spec: UpstreamSpec, name: string, args?: Record<string, string>): Promise<GetPromptResult> {
    return this.request(spec, true, {}, (c, o) =>
      c.client.getPrompt({ name, ...(args ? { arguments: args } : {}) }, o),
    );
  }

  /**
   * Tells `onUpdated` when the server reports that `uri` changed (`notifications/resources/
   * updated`). Lasts as long as the connection it was made on: a replaced connection (broken,
   * recycled, config change) ends it; callers watch again on demand.
   */
  watchResource(spec: UpstreamSpec, uri: string, onUpdated: () => void): Promise<() => void> {
    return this.request(spec, true, {}, (c, o) => c.watchResource(uri, onUpdated, { timeout: o.timeout }));
  }

  /**
   * completion/complete (argument suggestions for a prompt or a resource template). A server
   * that declares no completions capability has no suggestions: an empty list, not an error.
   */
  complete(spec: UpstreamSpec, params: CompleteRequestParams): Promise<CompleteResult> {
    return this.request(spec, true, {}, async (c, o) =>
      c.supports("completions")
        ? c.client.complete(params, o)
        : { completion: { values: [], hasMore: false } },
    );
  }

  /**
   * Round trip to the server (connecting first if needed). `ping` on 2025 revisions,
   * `server/discover` on 2026-07-28, which has no ping.
   */
  ping(spec: UpstreamSpec): Promise<{ latencyMs: number; protocolVersion: string | undefined }> {
    return this.request(spec, true, {}, async (c, o) => {
      const started = performance.now();
      if (c.isModern) await c.client.discover(o);
      else await c.client.ping(o);
      return {
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
        protocolVersion: c.protocolVersion,
      };
    });
  }

  /** Close connections whose server is not in `keep` or whose spec changed (call after a config change). */
  async retain(keep: UpstreamSpec[]): Promise<void> {
    const wanted = new Set(keep.map(specKey));
    const removed: PoolEntry[] = [];
    for (const [key, entry] of this.entries) {
      if (wanted.has(key)) continue;
      this.entries.delete(key);
      removed.push(entry);
    }
    // Requests already running on a removed connection get a short grace period.
    await Promise.all(removed.map((entry) => entry.close(Math.min(entry.spec.timeoutMs, 5_000))));
  }

  /** Closes every connection and kills every stdio process. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const entries = [...this.entries.values()];
      this.entries.clear();
      await Promise.all(entries.map((entry) => entry.close()));
    })();
    return this.closing;
  }

  stats(): { connections: number; stdioProcesses: number; pids: number[] } {
    let connections = 0;
    const pids: number[] = [];
    for (const entry of this.entries.values()) {
      const snapshot = entry.snapshot();
      connections += snapshot.connections;
      pids.push(...snapshot.pids);
    }
    return { connections, stdioProcesses: pids.length, pids };
  }

  private entryFor(spec: UpstreamSpec): PoolEntry {
    const key = specKey(spec);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = new PoolEntry(spec, this.settings);
      this.entries.set(key, entry);
    }
    // Same key means same connection; the name may still have changed.
    entry.spec = spec;
    return entry;
  }

  /**
   * Runs one request on the spec's connection. `retrySafe` requests (reads) are re-sent
   * once on a fresh connection when the old one turned out broken; a tools/call only when
   * the failure proves it never reached the server.
   */
  private async request<T>(
    spec: UpstreamSpec,
    retrySafe: boolean,
    opts: { signal?: AbortSignal; timeoutMs?: number },
    send: (connection: UpstreamConnection, options: RequestContext) => Promise<T>,
  ): Promise<T> {
    if (this.closing) throw new AppError("UNAVAILABLE", "the upstream pool is closed");
    opts.signal?.throwIfAborted();
    const timeout = opts.timeoutMs ?? spec.timeoutMs;
    const options: RequestContext = { timeout, ...(opts.signal ? { signal: opts.signal } : {}) };
    const entry = this.entryFor(spec);
    entry.begin();
    try {
      for (let attempt = 0; ; attempt++) {
        const connection = await abortable(entry.acquire(), opts.signal, (late) => late.release());
        try {
          return await send(connection, options);
        } catch (error) {
          if (opts.signal?.aborted) throw opts.signal.reason;
          const broken = breaksConnection(error);
          if (broken) entry.discard(connection);
          if (broken && attempt === 0 && (retrySafe || neverDelivered(error))) {
            this.settings.logger.warn(
              { server: spec.name },
              "upstream connection broken; retrying on a new one",
            );
            continue;
          }
          throw toUpstreamError(spec.name, error, timeout);
        } finally {
          connection.release();
        }
      }
    } finally {
      entry.end();
    }
  }
}

/** List and read requests always go to the server: the catalog must never be stale. */
function fresh(options: RequestContext): RequestContext & { cacheMode: "refresh" } {
  return { ...options, cacheMode: "refresh" };
}

/**
 * Stops waiting (not the shared connect itself) when the caller's signal aborts; a value
 * that arrives after that is handed to `discardLate` (to release its reservation).
 */
function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  discardLate: (value: T) => void,
): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then((value) => {
      if (signal.aborted) discardLate(value);
      else resolve(value);
    }, reject);
    promise.finally(() => signal.removeEventListener("abort", onAbort)).catch(() => {});
  });
}
