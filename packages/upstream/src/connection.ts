import {
  type CallToolResult,
  Client,
  type JSONRPCMessage,
  LOG_LEVEL_META_KEY,
  RELATED_TASK_META_KEY,
  type RequestOptions,
  SdkError,
  SdkErrorCode,
  StreamableHTTPClientTransport,
  type Transport,
} from "@modelcontextprotocol/client";
import { z } from "zod";
import { type CallChannel, CallChannels, ChannelRefusal, type ClientRequestMethod } from "./call-channel";
import { UpstreamRpcError } from "./errors";
import { type LeanTarget, leanCallTool } from "./lean-call";
import {
  type InputRequiredAnswer,
  leanCallTool2026,
  type ModernLeanTarget,
  type ModernResultCodec,
  plainHeaderValue,
} from "./lean-call-2026";
import { ProgressRelay } from "./progress-relay";
import { RevisionBridge } from "./revision-bridge";
import { ProcessExitedError, ProcessGroupStdioTransport } from "./stdio-transport";
import { createTransport, type TransportPolicy } from "./transport";
import type { UpstreamLogger, UpstreamProgress, UpstreamSpec } from "./types";

/** Rounds of 2026-07-28 input requests one call may take (the SDK driver's default cap). */
const MAX_INPUT_ROUNDS = 10;

/** The least time a stdio server gets to start and answer the handshake. */
const STDIO_START_TIMEOUT_MS = 10_000;

/** How long connecting (start, probe, handshake) may take. */
export function connectTimeoutMs(spec: UpstreamSpec): number {
  // A stdio server may need a while to start (npx, a cold JIT); an HTTP server is up or not.
  return spec.transport === "stdio" ? Math.max(spec.timeoutMs, STDIO_START_TIMEOUT_MS) : spec.timeoutMs;
}

export interface ConnectOptions {
  clientInfo: { name: string; version: string };
  logger: UpstreamLogger;
  policy: TransportPolicy;
  /** Skip the `server/discover` probe: the server is known to speak only the 2025 handshake. */
  legacyOnly?: boolean;
  /** Headers of the current trace context, added to every HTTP request (see UpstreamPoolOptions). */
  traceContext?: () => Record<string, string> | undefined;
}

/** How long an upstream keeps a task the gateway created for a task-only tool. */
const TASK_TTL_MS = 10 * 60_000;
const CREATE_TASK_RESULT = z.looseObject({ task: z.looseObject({ taskId: z.string() }) });
const ANY_RESULT = z.looseObject({});

/**
 * One live MCP session with an upstream: an SDK client on one transport (one stdio process,
 * or one HTTP session). Counts calls for recycling and in-flight requests for draining.
 */
export class UpstreamConnection {
  /** Requests reserved on this connection over its lifetime (the pool counts them for recycling). */
  calls = 0;
  /** Requests currently running. */
  inFlight = 0;
  private closedFlag = false;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private readonly progress = new ProgressRelay();
  private readonly channels = new CallChannels();
  /** URI → who is told when the server says the resource changed (see watchResource). */
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly listens = new Map<string, { close(): Promise<void> }>();
  /** The server's tools that must be called as tasks (taskSupport "required"), listed once. */
  private taskTools: Promise<ReadonlyMap<string, "optional" | "required">> | null = null;
  /** A Streamable HTTP upstream's endpoint, for lean calls (lean-call.ts); null for other transports. */
  private lean: Omit<LeanTarget, "protocolVersion" | "sessionId"> | null = null;
  /** The 2026-07-28 request envelope this client sends (its info and capabilities). */
  private envelope: Record<string, unknown> = {};
  private bridge: RevisionBridge | null = null;
  /**
   * Whether tools were listed on this client: the SDK then validates results against output
   * schemas and mirrors `Mcp-Param-*` headers from its cached list, which the 2026 lean call
   * does not, so it stays off.
   */
  private toolsListed = false;

  private constructor(
    readonly client: Client,
    private readonly transport: Transport,
    readonly serverName: string,
  ) {}

  /**
   * Connects and negotiates the protocol revision: the client probes with `server/discover`
   * (2026-07-28) and falls back to the 2025 `initialize` handshake, so one client type
   * reaches upstreams of both revisions.
   */
  static async open(spec: UpstreamSpec, options: ConnectOptions): Promise<UpstreamConnection> {
    const timeout = connectTimeoutMs(spec);
    // The gateway relays these to the agent's client during a call, under policy
    // (call-channel.ts); outside a call, or when policy says no, the upstream gets an error.
    const capabilities = { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} };
    const client = new Client(options.clientInfo, {
      capabilities,
      versionNegotiation: { mode: "auto", probe: { timeoutMs: timeout } },
      // 2026-07-28 input requests are fulfilled by the call's channel, not by SDK handlers.
      inputRequired: { autoFulfill: false },
    });
    const transport = createTransport(spec, options.logger, options.policy, options.traceContext);
    const connection = new UpstreamConnection(client, transport, spec.name);
    client.onclose = () => {
      connection.closedFlag = true;
    };
    client.onerror = (error) => {
      options.logger.warn({ server: spec.name, err: error.message }, "upstream transport error");
    };
    try {
      await client.connect(transport, {
        timeout,
        ...(options.legacyOnly ? { prior: { kind: "legacy" as const } } : {}),
      });
    } catch (error) {
      // Read before close() kills the process: did it die on its own during the handshake?
      const exit = transport instanceof ProcessGroupStdioTransport ? transport.exitDescription : undefined;
      await connection.close();
      throw exit ? new ProcessExitedError(exit) : error;
    }
    connection.progress.attach(transport);
    connection.channels.attach(transport);
    client.setNotificationHandler("notifications/resources/updated", (notification) => {
      for (const notify of connection.watchers.get(notification.params.uri) ?? []) notify();
    });
    connection.bridge = new RevisionBridge(spec.name, options.logger);
    connection.bridge.attach(transport, () => connection.isModern);
    // As the SDK client builds it (its outbound envelope on 2026-07-28).
    connection.envelope = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientInfo": options.clientInfo,
      "io.modelcontextprotocol/clientCapabilities": capabilities,
    };
    if (spec.transport === "streamable-http" && spec.url && !options.traceContext)
      connection.lean = {
        url: new URL(spec.url),
        fetch: options.policy.outbound.leanFetch,
        request: options.policy.outbound.leanRequest,
        headers: { ...spec.headers },
      };
    return connection;
  }

  /** False once the transport closed (process exited, connection dropped) or close() was called. */
  get usable(): boolean {
    return !this.closedFlag && !this.closing;
  }

  get protocolVersion(): string | undefined {
    return this.client.getNegotiatedProtocolVersion();
  }

  get isModern(): boolean {
    return this.client.getProtocolEra() === "modern";
  }

  /**
   * tools/call, with progress notifications relayed to `onProgress` when given, and what the
   * upstream asks of its client during the call (logs, elicitation, sampling, roots) relayed
   * to `channel`: server-to-client requests on 2025 revisions, `input_required` rounds on
   * 2026-07-28 (answered here, then the call is retried with the responses, as the SDK's own
   * driver would).
   */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: RequestOptions,
    onProgress?: (progress: UpstreamProgress) => void,
    traceMeta?: Record<string, string>,
    channel?: CallChannel,
    lean = false,
  ): Promise<CallToolResult> {
    const meta = traceMeta && Object.keys(traceMeta).length > 0 ? traceMeta : undefined;
    // Synchronous for servers without task-augmented tools/call: the common call pays nothing.
    const taskTools = this.taskToolsOf();
    // A task-only tool refuses a plain call. A task tool run with a channel is called as a task
    // too: its server may send what it asks the client only on the task's side channel.
    const support = taskTools ? (await taskTools).get(name) : undefined;
    if (support === "required" || (support === "optional" && channel?.onRequest))
      return this.callAsTask(name, args, meta, options, onProgress, channel);
    const target = lean && !onProgress && !meta ? this.leanTarget() : null;
    if (target) return this.leanCall(target, name, args, options, channel);
    const modern = lean && !onProgress && !meta ? this.modernLeanTarget(name, channel) : null;
    if (modern) return this.leanCall2026(modern, name, args, options, channel);
    if (!onProgress && !channel)
      return this.client.callTool({ name, arguments: args, ...(meta && { _meta: meta }) }, options);
    return this.callThroughChannel(name, args, options, onProgress, meta, channel);
  }

  /** The SDK path of a call with a progress listener or a channel; `first`: its first answer, already had. */
  private async callThroughChannel(
    name: string,
    args: Record<string, unknown>,
    options: RequestOptions,
    onProgress: ((progress: UpstreamProgress) => void) | undefined,
    meta: Record<string, string> | undefined,
    channel: CallChannel | undefined,
    first?: InputRequiredAnswer,
  ): Promise<CallToolResult> {
    const registration = this.progress.register(onProgress ?? (() => {}));
    const closeChannel = channel ? this.channels.open(registration.token, channel) : undefined;
    try {
      const envelope =
        channel?.onLog && this.isModern ? { [LOG_LEVEL_META_KEY]: channel.logLevel ?? "debug" } : undefined;
      const params = {
        name,
        arguments: args,
        _meta: { ...meta, ...envelope, progressToken: registration.token },
      };
      if (!channel) return await this.client.callTool(params, options);
      return await this.callWithInput(params, options, channel, first);
    } finally {
      closeChannel?.();
      registration.dispose();
    }
  }

  /**
   * The tools that may (`optional`) or must (`required`) be called task-augmented (2025-11-25
   * tasks, `execution.taskSupport`). Null for a server that declares no task-augmented
   * tools/call; the others are asked once per connection.
   */
  private taskToolsOf(): Promise<ReadonlyMap<string, "optional" | "required">> | null {
    const caps = this.client.getServerCapabilities() as
      | { tasks?: { requests?: { tools?: { call?: unknown } } } }
      | undefined;
    if (!caps?.tasks?.requests?.tools?.call) return null;
    this.toolsListed = true;
    this.taskTools ??= this.client.listTools().then(
      (listed) => {
        const tools = new Map<string, "optional" | "required">();
        for (const t of listed.tools) {
          const support = (t as { execution?: { taskSupport?: string } }).execution?.taskSupport;
          if (support === "optional" || support === "required") tools.set(t.name, support);
        }
        return tools;
      },
      () => {
        this.taskTools = null;
        return new Map();
      },
    );
    return this.taskTools;
  }

  /**
   * A call of a task-only tool, as the caller's plain call: create the task, wait for its
   * result with `tasks/result` (the server answers once the task ends), and cancel the task
   * upstream when the caller aborts. The result keeps no trace of the upstream's task id.
   *
   * While the task reads `input_required`, the server sends its requests to the client
   * (elicitation, sampling) on the tasks/result stream (2025-11-25's side channel): the call's
   * progress token names both requests, so they reach the caller's channel as a plain call's
   * do, without the upstream's task id (the caller knows no such task).
   */
  private async callAsTask(
    name: string,
    args: Record<string, unknown>,
    meta: Record<string, string> | undefined,
    options: RequestOptions,
    onProgress?: (progress: UpstreamProgress) => void,
    channel?: CallChannel,
  ): Promise<CallToolResult> {
    if (!channel && !onProgress) return this.runAsTask(name, args, meta, options, undefined);
    const registration = this.progress.register(onProgress ?? (() => {}));
    const closeChannel = channel
      ? this.channels.open(registration.token, withoutRelatedTask(channel))
      : undefined;
    try {
      return await this.runAsTask(name, args, meta, options, registration.token);
    } finally {
      closeChannel?.();
      registration.dispose();
    }
  }

  private async runAsTask(
    name: string,
    args: Record<string, unknown>,
    meta: Record<string, string> | undefined,
    options: RequestOptions,
    progressToken: string | undefined,
  ): Promise<CallToolResult> {
    const requestMeta = progressToken === undefined ? meta : { ...meta, progressToken };
    const params = {
      name,
      arguments: args,
      ...(requestMeta && { _meta: requestMeta }),
      task: { ttl: TASK_TTL_MS },
    };
    const created = (await this.client.request(
      { method: "tools/call", params } as never,
      CREATE_TASK_RESULT as never,
      options,
    )) as { task: { taskId: string } };
    const taskId = created.task.taskId;
    const cancel = () =>
      void this.client
        .request({ method: "tasks/cancel", params: { taskId } } as never, ANY_RESULT as never)
        .catch(() => undefined);
    options.signal?.addEventListener("abort", cancel, { once: true });
    try {
      const result = (await this.client.request(
        {
          method: "tasks/result",
          params: { taskId, ...(progressToken !== undefined && { _meta: { progressToken } }) },
        } as never,
        ANY_RESULT as never,
        options,
      )) as Record<string, unknown>;
      const resultMeta = result._meta as Record<string, unknown> | undefined;
      if (resultMeta) {
        const { [RELATED_TASK_META_KEY]: _related, ...rest } = resultMeta;
        return { ...result, _meta: rest } as CallToolResult;
      }
      return result as CallToolResult;
    } finally {
      options.signal?.removeEventListener("abort", cancel);
    }
  }

  /**
   * Where a lean call may go: a Streamable HTTP connection that negotiated a 2025 revision
   * (a 2026-07-28 upstream's envelope, headers and input rounds stay with the SDK).
   */
  private leanTarget(): LeanTarget | null {
    const protocolVersion = this.protocolVersion;
    if (
      !this.lean ||
      this.isModern ||
      !protocolVersion ||
      !(this.transport instanceof StreamableHTTPClientTransport)
    )
      return null;
    return { ...this.lean, protocolVersion, sessionId: this.transport.sessionId };
  }

  /**
   * tools/call without the SDK client (lean-call.ts), for the gateway's lean path: no progress
   * token is sent (nobody listens), and what the upstream sends on the call's stream besides
   * its answer is handled as on the SDK path — logs and client requests by `channel`, the
   * rest by the SDK client.
   */
  private leanCall(
    target: LeanTarget,
    name: string,
    args: Record<string, unknown>,
    options: RequestOptions,
    channel: CallChannel | undefined,
  ): Promise<CallToolResult> {
    const send: Transport["send"] = (message, sendOptions) => this.transport.send(message, sendOptions);
    return leanCallTool(
      target,
      name,
      args,
      { timeout: options.timeout ?? 60_000, ...(options.signal && { signal: options.signal }) },
      { onOtherMessage: this.otherMessagesOf(channel, send), notify: (message) => send(message) },
    );
  }

  /** What a lean call's stream carries besides its answer: the call's channel first, else the SDK's handling. */
  private otherMessagesOf(channel: CallChannel | undefined, send: Transport["send"]) {
    return (message: JSONRPCMessage) => {
      const routed = asMarkedByTheSdkPath(message);
      if (!this.channels.handleForCall(channel, routed, send)) this.transport.onmessage?.(routed);
    };
  }

  /**
   * Where a 2026-07-28 lean call may go (lean-call-2026.ts): a Streamable HTTP connection
   * that negotiated 2026-07-28, whose client holds no tool list (see toolsListed) and whose
   * SDK codec is the one this version of the SDK has, for a tool name the SDK would send
   * unencoded in `Mcp-Name`.
   */
  private modernLeanTarget(name: string, channel: CallChannel | undefined): ModernLeanTarget | null {
    if (!this.lean || !this.isModern || this.toolsListed || !this.bridge || !plainHeaderValue(name))
      return null;
    const codec = (this.client as unknown as { _wireCodec?: () => ModernResultCodec })._wireCodec?.();
    if (typeof codec?.decodeResult !== "function" || typeof codec.validateResult !== "function") return null;
    const bridge = this.bridge;
    return {
      url: this.lean.url,
      fetch: this.lean.fetch,
      ...(this.lean.request && { request: this.lean.request }),
      headers: this.lean.headers,
      // As the SDK path asks for the call's logs (callThroughChannel).
      envelope: channel?.onLog
        ? { ...this.envelope, [LOG_LEVEL_META_KEY]: channel.logLevel ?? "debug" }
        : this.envelope,
      codec,
      bridge: (result) => bridge.bridgeResult("tools/call", result),
    };
  }

  /**
   * tools/call to a 2026-07-28 upstream without the SDK client. Logs and notifications on the
   * call's stream are handled as in leanCall. An `input_required` answer goes on as on the SDK
   * path: its rounds are fulfilled by the channel and the call retried through the SDK client
   * (they ask the client, so speed is not what they need); without a channel it fails as the
   * SDK's callTool does.
   */
  private async leanCall2026(
    target: ModernLeanTarget,
    name: string,
    args: Record<string, unknown>,
    options: RequestOptions,
    channel: CallChannel | undefined,
  ): Promise<CallToolResult> {
    const send: Transport["send"] = (message, sendOptions) => this.transport.send(message, sendOptions);
    const answer = await leanCallTool2026(
      target,
      name,
      args,
      { timeout: options.timeout ?? 60_000, ...(options.signal && { signal: options.signal }) },
      { onOtherMessage: this.otherMessagesOf(channel, send) },
    );
    if ((answer as { resultType?: unknown }).resultType !== "input_required") return answer as CallToolResult;
    if (!channel)
      throw new SdkError(
        SdkErrorCode.UnsupportedResultType,
        "Unsupported result type 'input_required' for tools/call: multi-round-trip auto-fulfilment is not enabled on this instance — pass allowInputRequired: true to handle it manually, or enable inputRequired.autoFulfill",
        { resultType: "input_required", method: "tools/call" },
      );
    return this.callThroughChannel(
      name,
      args,
      options,
      undefined,
      undefined,
      channel,
      answer as InputRequiredAnswer,
    );
  }

  private async callWithInput(
    params: Record<string, unknown>,
    options: RequestOptions,
    channel: CallChannel,
    first?: InputRequiredAnswer,
  ): Promise<CallToolResult> {
    const leg = { ...options, allowInputRequired: true };
    let result = (first ??
      (await this.client.request({ method: "tools/call", params } as never, leg))) as Record<string, unknown>;
    for (let round = 0; result.resultType === "input_required"; round++) {
      if (round >= MAX_INPUT_ROUNDS)
        throw new Error(`the server asked for client input more than ${MAX_INPUT_ROUNDS} times in one call`);
      const requests = (result.inputRequests ?? {}) as Record<string, { method: string; params?: unknown }>;
      const responses: Record<string, unknown> = {};
      for (const [key, request] of Object.entries(requests)) {
        const method = request.method as ClientRequestMethod;
        try {
          responses[key] = await this.channels.answer(
            channel,
            method,
            (request.params ?? {}) as Record<string, unknown>,
          );
        } catch (error) {
          // 2026-07-28 has no error answer to an input request: a refused elicitation is a
          // decline (the server goes on without it); a refused sampling or roots fails the call.
          if (error instanceof ChannelRefusal && method === "elicitation/create") {
            responses[key] = { action: "decline" };
            continue;
          }
          if (error instanceof ChannelRefusal)
            throw new UpstreamRpcError(this.serverName, error.code, error.message);
          throw error;
        }
      }
      const retry = {
        ...params,
        ...(Object.keys(responses).length > 0 && { inputResponses: responses }),
        ...(result.requestState !== undefined && { requestState: result.requestState }),
      };
      result = (await this.client.request({ method: "tools/call", params: retry } as never, leg)) as Record<
        string,
        unknown
      >;
    }
    return result as CallToolResult;
  }

  /**
   * Tells `onUpdated` whenever the server says `uri` changed, until the returned function is
   * called: `resources/subscribe` on 2025 revisions, a `subscriptions/listen` stream per URI on
   * 2026-07-28. One upstream subscription per URI, however many watchers.
   */
  async watchResource(uri: string, onUpdated: () => void, options: RequestOptions): Promise<() => void> {
    let watchers = this.watchers.get(uri);
    if (!watchers) {
      watchers = new Set();
      this.watchers.set(uri, watchers);
      try {
        if (this.isModern)
          this.listens.set(uri, await this.client.listen({ resourceSubscriptions: [uri] }, options));
        else await this.client.subscribeResource({ uri }, options);
      } catch (error) {
        this.watchers.delete(uri);
        throw error;
      }
    }
    watchers.add(onUpdated);
    const set = watchers;
    return () => {
      set.delete(onUpdated);
      if (set.size > 0 || this.watchers.get(uri) !== set) return;
      this.watchers.delete(uri);
      const listen = this.listens.get(uri);
      this.listens.delete(uri);
      const done = listen ? listen.close() : this.client.unsubscribeResource({ uri }, options);
      void done.catch(() => {});
    };
  }

  /** tools/list through the SDK client (which then caches the list: see toolsListed). */
  listTools(options: RequestOptions): ReturnType<Client["listTools"]> {
    this.toolsListed = true;
    return this.client.listTools(undefined, options);
  }

  /** Whether the server declared this capability (listing an undeclared one is pointless). */
  supports(capability: "tools" | "resources" | "prompts" | "completions"): boolean {
    return this.client.getServerCapabilities()?.[capability] !== undefined;
  }

  /** The stdio server's pid while its process runs. */
  get pid(): number | undefined {
    const transport = this.transport;
    if (transport instanceof ProcessGroupStdioTransport && transport.alive) return transport.pid ?? undefined;
    return undefined;
  }

  /**
   * Reserves the connection for one request: counts it for recycling and holds off
   * draining until `release()`. Reserved at acquire time (not when the request is sent)
   * so a connection retired in between still waits for it.
   */
  reserve(): void {
    this.calls++;
    this.inFlight++;
  }

  /** Ends a reservation. */
  release(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.drained?.();
  }

  /** Waits for in-flight requests to finish (at most `maxWaitMs`), then closes. */
  async drainAndClose(maxWaitMs: number): Promise<void> {
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, maxWaitMs);
        timer.unref();
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.close();
  }

  /** Closes the session (ending a stateful HTTP session, stopping a stdio process). Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const transport = this.transport;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId && !this.closedFlag) {
      // Tell a stateful server to free the session; best effort and bounded.
      await withTimeout(transport.terminateSession(), 1_000).catch(() => {});
    }
    this.closedFlag = true;
    // The client closes the transport it is attached to; a transport whose handshake failed
    // may not be attached any more, and must still release its process or stream.
    if (this.client.transport) await this.client.close().catch(() => {});
    else await transport.close().catch(() => {});
  }
}

/**
 * A request or notification as the SDK path hands it on: related-stream.ts gives every one a
 * `_meta` (to carry its mark, removed again before delivery), so the lean call does the same
 * and what reaches the agent is the same object.
 */
function asMarkedByTheSdkPath(message: JSONRPCMessage): JSONRPCMessage {
  if (!("method" in message)) return message;
  const params = (message.params ?? {}) as Record<string, unknown>;
  const meta = (params._meta as Record<string, unknown> | undefined) ?? {};
  return { ...message, params: { ...params, _meta: { ...meta } } } as JSONRPCMessage;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The caller's channel, given the upstream's requests without the upstream's task id in `_meta`. */
function withoutRelatedTask(channel: CallChannel): CallChannel {
  const onRequest = channel.onRequest;
  if (!onRequest) return channel;
  return {
    ...channel,
    onRequest: (method, params) => {
      const meta = params._meta as Record<string, unknown> | undefined;
      if (!meta || !(RELATED_TASK_META_KEY in meta)) return onRequest.call(channel, method, params);
      const { [RELATED_TASK_META_KEY]: _upstreamTask, ...rest } = meta;
      const { _meta: _, ...bare } = params;
      return onRequest.call(channel, method, Object.keys(rest).length > 0 ? { ...bare, _meta: rest } : bare);
    },
  };
}
