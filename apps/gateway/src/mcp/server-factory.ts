import { type McpServerFactory, Server, type ServerContext } from "@modelcontextprotocol/server";
import { AppError } from "@portcullis/contracts/errors";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { Logger } from "pino";
import type { AuditRecorderSink } from "../audit/audit-recorder";
import { callMetaTool } from "../context/meta-tool-call";
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from "../context/sandbox-limits";
import { listToolsByExposure } from "../context/tools-list";
import { type CallToolStages, callTool } from "../pipeline/call-tool";
import { type CallContext, callContextOf, type RequestContext } from "../pipeline/request-context";
import { toWireError } from "../pipeline/wire-errors";
import {
  type CatalogDeps,
  getPrompt,
  listPrompts,
  listResources,
  listResourceTemplates,
  readResource,
} from "./resources-and-prompts";

export interface ServerFactoryDeps {
  pool: UpstreamPool;
  stages: CallToolStages;
  logger: Logger;
  version: string;
  /** Where code mode's inner tool calls are audited (each request's own event is the endpoint's). */
  audit: AuditRecorderSink;
  sandbox?: Partial<SandboxLimits>;
}

/** The HTTP layer passes the request context through the SDK's pass-through authInfo. */
export function requestContextOf(extra: Record<string, unknown> | undefined): RequestContext {
  const rc = extra?.requestContext as RequestContext | undefined;
  if (!rc) throw new AppError("INTERNAL", "request context missing");
  return rc;
}

/**
 * Builds the MCP server instance that answers one request (the SDK's serving entry asks
 * for a fresh instance per HTTP request, for both protocol eras). Handlers are thin: they
 * call the pipeline and convert failures to JSON-RPC errors; the endpoint audits the request.
 */
export function createServerFactory(deps: ServerFactoryDeps): McpServerFactory {
  const catalog: CatalogDeps = {
    pool: deps.pool,
    logger: deps.logger,
    stages: deps.stages,
    resourceOwners: new Map(),
  };
  const context = {
    pool: deps.pool,
    stages: deps.stages,
    audit: deps.audit,
    sandbox: { ...DEFAULT_SANDBOX_LIMITS, ...deps.sandbox },
    running: { count: 0 },
  };

  return ({ authInfo }) => {
    const rc = requestContextOf(authInfo?.extra);
    const server = new Server(
      { name: "portcullis", version: deps.version },
      {
        capabilities: { tools: { listChanged: true }, resources: {}, prompts: {} },
        instructions:
          "Portcullis MCP gateway: tools are named <server>__<tool>; only tools granted to this agent are listed.",
      },
    );

    /**
     * Wraps a handler: gives it the call context, maps errors to wire errors, and tells the
     * endpoint when its work is done (the endpoint records the one audit event then).
     */
    const handle = <T>(fn: (call: CallContext, ctx: ServerContext) => Promise<T>) => {
      return async (_request: unknown, ctx: ServerContext): Promise<T> => {
        let done!: () => void;
        rc.handlerDone = new Promise<void>((resolve) => {
          done = resolve;
        });
        try {
          const call = callContextOf(rc);
          if (!call) throw new AppError("UNAVAILABLE", "gateway has no configuration yet");
          return await fn(call, ctx);
        } catch (err) {
          const wire = toWireError(err, rc);
          if (rc.audit.decision === "error")
            deps.logger.error({ requestId: rc.requestId, err }, "request failed");
          throw wire;
        } finally {
          done();
        }
      };
    };

    server.setRequestHandler(
      "tools/list",
      handle(async (call) => ({ tools: listToolsByExposure(call) })),
    );
    server.setRequestHandler("tools/call", (request, ctx) =>
      handle(async (call) => {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        const options = {
          signal: ctx.mcpReq.signal,
          onProgress:
            progressToken === undefined
              ? undefined
              : (p: { progress: number; total?: number; message?: string }) => {
                  void ctx.mcpReq
                    .notify({ method: "notifications/progress", params: { progressToken, ...p } })
                    .catch(() => undefined);
                },
        };
        return (
          callMetaTool(context, call, request.params, options) ??
          callTool(deps.pool, deps.stages, call, request.params, options)
        );
      })(request, ctx),
    );
    server.setRequestHandler(
      "resources/list",
      handle(async (call) => ({ resources: await listResources(catalog, call) })),
    );
    server.setRequestHandler(
      "resources/templates/list",
      handle(async (call) => ({ resourceTemplates: await listResourceTemplates(catalog, call) })),
    );
    server.setRequestHandler("resources/read", (request, ctx) =>
      handle(async (call) => readResource(catalog, call, request.params.uri))(request, ctx),
    );
    server.setRequestHandler(
      "prompts/list",
      handle(async (call) => ({ prompts: await listPrompts(catalog, call) })),
    );
    server.setRequestHandler("prompts/get", (request, ctx) =>
      handle(async (call) => getPrompt(catalog, call, request.params.name, request.params.arguments))(
        request,
        ctx,
      ),
    );
    return server;
  };
}
