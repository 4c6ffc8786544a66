import type { IncomingMessage } from "node:http";
import {
  type Context,
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { exposedToolName } from "@portcullis/contracts/snapshot";
import type { UpstreamPoolOptions } from "@portcullis/upstream/pool";
import type { AuditRecorderSink } from "../audit/audit-recorder";
import type { CallToolStages } from "../pipeline/call-tool";

/**
 * The MCP request being served. Its span starts on first use, so that a trace context the
 * client put in the message's `params._meta` (the MCP conventions' carrier) can still
 * become its parent once the body is parsed; a `traceparent` header wins (it is the nearer
 * hop). The start time is the request's arrival either way.
 */
interface TracedRequest {
  parent: Context;
  parentFromHeader: boolean;
  startTime: number;
  sessionId: string | undefined;
  span: Span | null;
}
const REQUEST = createContextKey("portcullis.mcp.request");

/**
 * OpenTelemetry spans for the gateway, after the semantic conventions for MCP and GenAI
 * tool calls: one SERVER span per MCP request (`{mcp.method.name} {target}`), child spans
 * for the rate-limit, DLP and approval stages, and a CLIENT span for the upstream call
 * whose context travels upstream (HTTP `traceparent` and `params._meta`). A client's trace
 * context (header or `_meta`) makes the request span its child.
 *
 * Built only when tracing is on: with it off, the gateway wires none of this and the hot
 * path carries no tracing code at all.
 */
export class GatewayTracing {
  private readonly tracer;

  constructor(version: string) {
    this.tracer = trace.getTracer("portcullis-gateway", version);
  }

  /** Runs one HTTP request to the MCP endpoint inside its request span. */
  traceRequest(req: IncomingMessage, run: () => Promise<void>): Promise<void> {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const sessionId = req.headers["mcp-session-id"];
    const request: TracedRequest = {
      parent,
      parentFromHeader: trace.getSpanContext(parent) !== undefined,
      startTime: Date.now(),
      sessionId: typeof sessionId === "string" ? sessionId : undefined,
      span: null,
    };
    return context.with(ROOT_CONTEXT.setValue(REQUEST, request), run).then(
      () => this.spanOf(request).end(),
      (err: unknown) => {
        const span = this.spanOf(request);
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute("error.type", (err as Error)?.name ?? "Error");
        span.end();
        throw err;
      },
    );
  }

  /** The parsed JSON-RPC message: its `params._meta` may carry the client's trace context. */
  onMessage(message: { params?: Record<string, unknown> }): void {
    const request = activeRequest();
    if (!request || request.span || request.parentFromHeader) return;
    const meta = message.params?._meta;
    if (
      meta &&
      typeof meta === "object" &&
      typeof (meta as Record<string, unknown>).traceparent === "string"
    ) {
      request.parent = propagation.extract(ROOT_CONTEXT, meta as Record<string, string>);
    }
  }

  private spanOf(request: TracedRequest): Span {
    request.span ??= this.tracer.startSpan(
      "mcp",
      {
        kind: SpanKind.SERVER,
        startTime: request.startTime,
        attributes: {
          "network.transport": "tcp",
          "network.protocol.name": "http",
          ...(request.sessionId !== undefined && { "mcp.session.id": request.sessionId }),
        },
      },
      request.parent,
    );
    return request.span;
  }

  /** The context child spans start from: the request span's (started now if need be). */
  private parentContext(): Context {
    const request = activeRequest();
    if (!request) return context.active();
    return trace.setSpan(request.parent.setValue(REQUEST, request), this.spanOf(request));
  }

  /**
   * Names the request span and sets what the audit event knows (method, tool, server,
   * decision, error). Every request ends in one audit event, recorded inside its context.
   */
  describeRequest(event: AuditEvent): void {
    const request = activeRequest();
    if (!request) return;
    const span = this.spanOf(request);
    const resolved = event.serverName !== null && event.toolName !== null;
    const exposed = resolved ? exposedToolName(event.serverName!, event.toolName!) : null;
    span.updateName(exposed ? `${event.method} ${exposed}` : event.method);
    span.setAttribute("mcp.method.name", event.method);
    if (event.protocolVersion) span.setAttribute("mcp.protocol.version", event.protocolVersion);
    if (event.method === "tools/call") {
      span.setAttribute("gen_ai.operation.name", "execute_tool");
      if (exposed) span.setAttribute("gen_ai.tool.name", exposed);
    }
    span.setAttribute("portcullis.request.id", event.requestId);
    span.setAttribute("portcullis.decision", event.decision);
    if (event.serverName) span.setAttribute("portcullis.server.name", event.serverName);
    if (event.agentName) span.setAttribute("portcullis.agent.name", event.agentName);
    if (event.snapshotVersion !== null)
      span.setAttribute("portcullis.snapshot.version", event.snapshotVersion);
    if (event.errorCode !== null) {
      // A JSON-RPC error answered to the client.
      span.setAttribute("rpc.response.status_code", String(event.errorCode));
      span.setAttribute("error.type", String(event.errorCode));
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.reason ?? undefined });
    } else if (event.isError) {
      // A tool result with isError: delivered, but the tool failed.
      span.setAttribute("error.type", "tool_error");
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }

  /** The audit sink, describing the request span from each event on its way. */
  describingSink(sink: AuditRecorderSink): AuditRecorderSink {
    return {
      record: (event) => {
        this.describeRequest(event);
        sink.record(event);
      },
    };
  }

  /** The pipeline's stages, each run inside a child span of the request. */
  tracedStages(stages: CallToolStages): CallToolStages {
    const { rateLimit, dlp, approval } = stages;
    return {
      rateLimit: {
        enforce: (input) => this.inSpan("portcullis.rate_limit", () => rateLimit.enforce(input)),
        close: () => rateLimit.close(),
      },
      dlp: {
        scanArguments: (input, args) =>
          this.inSyncSpan("portcullis.dlp.arguments", () => dlp.scanArguments(input, args)),
        scanResult: (input, result) =>
          this.inSyncSpan("portcullis.dlp.result", () => dlp.scanResult(input, result)),
        maskForAudit: (input, args) => dlp.maskForAudit(input, args),
        scanValue: (input, direction, value, what, skip) =>
          this.inSyncSpan(`portcullis.dlp.${direction}`, () =>
            dlp.scanValue(input, direction, value, what, skip),
          ),
        screenUpstreamError: (input, err) => dlp.screenUpstreamError(input, err),
      },
      approval: {
        awaitDecision: (input, args, decision, options) =>
          this.inSpan("portcullis.approval.wait", async (span) => {
            const { approvalId } = await approval.awaitDecision(input, args, decision, options);
            span.setAttribute("portcullis.approval.id", approvalId);
            return { approvalId };
          }),
        markExecuted: (id, outcome) => approval.markExecuted(id, outcome),
        close: () => approval.close(),
      },
    };
  }

  /** The upstream pool's hooks: a CLIENT span per tools/call, and its context sent along. */
  upstreamHooks(): Pick<UpstreamPoolOptions, "aroundCall" | "traceContext"> {
    return {
      aroundCall: (call, run) => {
        const url = call.spec.url ? safeUrl(call.spec.url) : null;
        return this.inSpan(`tools/call ${call.tool}`, () => run(), SpanKind.CLIENT, {
          "mcp.method.name": "tools/call",
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": call.tool,
          "portcullis.server.name": call.spec.name,
          "network.transport": call.spec.transport === "stdio" ? "pipe" : "tcp",
          ...(url && { "server.address": url.hostname, "server.port": Number(url.port || defaultPort(url)) }),
        });
      },
      traceContext: () => {
        const carrier: Record<string, string> = {};
        propagation.inject(context.active(), carrier);
        return carrier;
      },
    };
  }

  private inSpan<T>(
    name: string,
    fn: (span: Span) => Promise<T>,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Record<string, string | number> = {},
  ): Promise<T> {
    return this.tracer.startActiveSpan(name, { kind, attributes }, this.parentContext(), async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        markFailed(span, err);
        throw err;
      } finally {
        span.end();
      }
    });
  }

  private inSyncSpan<T>(name: string, fn: () => T): T {
    const parent = this.parentContext();
    const span = this.tracer.startSpan(name, {}, parent);
    try {
      return context.with(trace.setSpan(parent, span), fn);
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  }
}

function activeRequest(): TracedRequest | undefined {
  return context.active().getValue(REQUEST) as TracedRequest | undefined;
}

function markFailed(span: Span, err: unknown): void {
  const code = (err as { code?: unknown })?.code;
  span.setAttribute(
    "error.type",
    typeof code === "string" || typeof code === "number" ? String(code) : "Error",
  );
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
}

function safeUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

function defaultPort(url: URL): number {
  return url.protocol === "https:" ? 443 : 80;
}
