import type { IncomingMessage } from "node:http";
import {
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

/** The span of the MCP request being served, whatever child span is active. */
const REQUEST_SPAN = createContextKey("portcullis.mcp.request-span");

/**
 * OpenTelemetry spans for the gateway, after the semantic conventions for MCP and GenAI
 * tool calls: one SERVER span per MCP request (`{mcp.method.name} {target}`), child spans
 * for the rate-limit, DLP and approval stages, and a CLIENT span for the upstream call
 * whose context travels upstream (HTTP `traceparent` and `params._meta`). A client's
 * `traceparent` header makes the request span its child.
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
    const span = this.tracer.startSpan(
      "mcp",
      {
        kind: SpanKind.SERVER,
        attributes: {
          "network.transport": "tcp",
          "network.protocol.name": "http",
          ...(typeof sessionId === "string" && { "mcp.session.id": sessionId }),
        },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span).setValue(REQUEST_SPAN, span);
    return context.with(ctx, run).then(
      () => span.end(),
      (err: unknown) => {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute("error.type", (err as Error)?.name ?? "Error");
        span.end();
        throw err;
      },
    );
  }

  /**
   * Names the request span and sets what the audit event knows (method, tool, server,
   * decision, error). Every request ends in one audit event, recorded inside its context.
   */
  describeRequest(event: AuditEvent): void {
    const span = context.active().getValue(REQUEST_SPAN) as Span | undefined;
    if (!span) return;
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
    return this.tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
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
    const span = this.tracer.startSpan(name);
    try {
      return context.with(trace.setSpan(context.active(), span), fn);
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  }
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
