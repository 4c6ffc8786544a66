import {
  CLIENT_CAPABILITIES_META_KEY,
  type McpServerFactory,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { AppError } from "@portcullis/contracts/errors";
import type { ClientRequestRules } from "@portcullis/policy/client-requests";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { CallToolResult } from "@portcullis/upstream/types";
import type { Logger } from "pino";
import type { AuditRecorderSink } from "../audit/audit-recorder";
import { callMetaTool } from "../context/meta-tool-call";
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from "../context/sandbox-limits";
import { listToolsByExposure } from "../context/tools-list";
import {
  type CallToolOptions,
  type CallToolParams,
  type CallToolStages,
  callTool,
  resolveTool,
} from "../pipeline/call-tool";
import { policySubject } from "../pipeline/policy-subject";
import { type CallContext, callContextOf, type RequestContext } from "../pipeline/request-context";
import { toWireError } from "../pipeline/wire-errors";
import { portalCallParams, portalPromptName, portalPrompts } from "../portals/portal-requests";
import type { SessionStore } from "../sessions/session-store";
import { readAppResource } from "./passthrough-apps";
import { callChannelFor, isLogLevel } from "./passthrough-channel";
import { complete } from "./passthrough-completions";
import type { InputConversation } from "./passthrough-input-rounds";
import { type PassthroughState, setLogLevel } from "./passthrough-state";
import { ResourceSubscriptions } from "./passthrough-subscriptions";
import type { GatewayTasks } from "./passthrough-tasks";
import { serveToolsCall, type ToolsCallDeps } from "./passthrough-tools-call";
import {
  type CatalogDeps,
  getPrompt,
  listPrompts,
  listResources,
  listResourceTemplates,
  readResource,
} from "./resources-and-prompts";
import { callResultForClient, itemResultForClient } from "./revision-bridge";
import type { ScopedEventBus } from "./scoped-event-bus";
import { TaskAwareServer } from "./task-aware-server";
import {
  ACK,
  createTaskResult,
  declaresTasks,
  detailedTask,
  requireTasks,
  supportsTasks,
  TASK_PARAMS,
  TASKS_EXTENSION,
} from "./tasks-extension";

export interface ServerFactoryDeps {
  pool: UpstreamPool;
  stages: CallToolStages;
  logger: Logger;
  version: string;
  /** Where the audit events of server-to-client requests go (one per elicitation or sampling). */
  audit: AuditRecorderSink;
  /** Conversations that span requests (mcp/passthrough-state.ts); the endpoint feeds it too. */
  passthrough: PassthroughState;
  /** How URL-mode elicitation is judged (loopback URLs only where the operator allows loopback). */
  clientRequestRules: ClientRequestRules;
  /** The serving entry's change-event bus (resource updates reach listening clients through it). */
  bus: ScopedEventBus;
  /** Where 2025-era sessions' events go (their GET streams carry them); null: no sessions. */
  sessions: SessionStore | null;
  /** Tasks of task-augmented tools/call (2025-11-25), kept in Redis for every replica. */
  tasks: GatewayTasks;
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
  const subscriptions = new ResourceSubscriptions(catalog, deps.bus, deps.sessions, deps.logger);
  deps.passthrough.subscriptions = subscriptions;
  const toolsCall: ToolsCallDeps = {
    pool: deps.pool,
    stages: deps.stages,
    ...deps.passthrough,
    passthrough: {
      relay: deps.passthrough.relay,
      audit: deps.audit,
      dlp: deps.stages.dlp,
      logger: deps.logger,
      rules: deps.clientRequestRules,
    },
  };
  const context = {
    pool: deps.pool,
    stages: deps.stages,
    audit: deps.audit,
    sandbox: { ...DEFAULT_SANDBOX_LIMITS, ...deps.sandbox },
    running: { count: 0 },
  };

  return ({ authInfo, era }) => {
    const rc = requestContextOf(authInfo?.extra);
    const server = new TaskAwareServer(
      { name: "portcullis", version: deps.version },
      {
        capabilities: {
          tools: { listChanged: true },
          resources: { subscribe: true },
          prompts: {},
          logging: {},
          completions: {},
          // 2025-11-25 tasks; the 2026-07-28 revision moved them to an extension.
          ...(era === "legacy" && { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }),
          // 2026-07-28: tasks are an extension (mcp/tasks-extension.ts), served by hand.
          ...(era === "modern" && { extensions: { [TASKS_EXTENSION]: {} } }),
        },
        instructions:
          rc.portal === null
            ? "Portcullis MCP gateway: tools are named <server>__<tool>; only tools granted to this agent are listed."
            : `Portcullis MCP gateway, portal '${rc.portal}': only the portal's tools granted to this agent are listed.`,
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
      handle(
        (call) =>
          // search_tools, call_tool and execute in the search and code exposures; else the tool itself.
          callMetaTool(context, call, request.params, metaCallOptions(ctx)) ??
          (era === "legacy" && request.params.task
            ? startTask(call, request.params, request.params.task.ttl)
            : undefined) ??
          (era === "modern" && declaresTasks(ctx)
            ? startServerDirectedTask(call, request.params, ctx)
            : undefined) ??
          serveToolsCall(
            toolsCall,
            server,
            era,
            call,
            call.portal ? portalCallParams(call, request.params) : request.params,
            ctx,
          ),
      )(request, ctx),
    );
    /**
     * 2026-07-28 tasks extension: the gateway decides, by the tool's taskSupport, whether the
     * call runs as a task (undefined: answered directly).
     */
    const startServerDirectedTask = (call: CallContext, params: CallToolParams, ctx: ServerContext) => {
      const target = call.portal ? portalCallParams(call, params) : params;
      if (!supportsTasks(resolveTool(call, target.name).tool.execution?.taskSupport)) return undefined;
      const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
      return startTask(call, params, undefined, "modern", envelope[CLIENT_CAPABILITIES_META_KEY] as never);
    };
    /**
     * A task-augmented call answers `{ task }` at once and runs on; its audit event is the
     * call's, recorded when the call ends (the endpoint waits for `handlerDone`).
     */
    const startTask = async (
      call: CallContext,
      params: CallToolParams,
      ttl: number | undefined,
      form: "legacy" | "modern" = "legacy",
      /** A 2026-07-28 request's own: what its client can answer. */
      capabilities?: Record<string, unknown>,
    ) => {
      const target = call.portal ? portalCallParams(call, params) : params;
      const { task, finished } = await deps.tasks.start(
        call,
        target.name,
        ttl ?? undefined,
        async (signal, side) => {
          // The upstream's elicitation and sampling are governed as in a plain call (server
          // settings, DLP, one audit event each) and reach the client by the task's form:
          // on its tasks/result stream (2025-11-25), or as the task's inputRequests, which
          // tasks/update answers (2026-07-28 extension).
          const channelFor = callChannelFor(
            toolsCall.passthrough,
            call,
            form === "modern"
              ? {
                  era: "modern",
                  conversation: side.inputs as unknown as InputConversation<unknown>,
                  notify: async () => undefined,
                  logLevel: undefined,
                  capabilities,
                }
              : {
                  era: "legacy",
                  transport: side.transport,
                  relatedRequestId: 0,
                  signal,
                  notify: side.notify,
                  logLevel: deps.passthrough.logLevels.get(policySubject(call.identity).id),
                },
          );
          const result = await callTool(deps.pool, deps.stages, call, target, {
            signal,
            channelFor: side.governed(channelFor),
          });
          return callResultForClient(result, call.protocolVersion) as unknown as Record<string, unknown>;
        },
      );
      rc.handlerDone = Promise.all([rc.handlerDone, finished]).then(() => undefined);
      return (form === "modern" ? createTaskResult(task) : { task }) as unknown as CallToolResult;
    };
    // 2025-11-25 spec methods the SDK serves but does not type (its typed map has 2026-07-28's).
    const onTaskRequest = server.setRequestHandler as unknown as (
      method: "tasks/get" | "tasks/result" | "tasks/list" | "tasks/cancel",
      handler: (request: { params?: Record<string, unknown> }, ctx: ServerContext) => Promise<unknown>,
    ) => void;
    if (era === "legacy") {
      onTaskRequest.call(server, "tasks/get", (request, ctx) =>
        handle((call) => deps.tasks.get(call, request.params?.taskId))(request, ctx),
      );
      onTaskRequest.call(server, "tasks/result", (request, ctx) =>
        handle((call) =>
          deps.tasks.result(call, request.params?.taskId, ctx.mcpReq.signal, {
            transport: server.transport,
            relatedRequestId: ctx.mcpReq.id,
          }),
        )(request, ctx),
      );
      onTaskRequest.call(server, "tasks/list", (request, ctx) =>
        handle((call) => deps.tasks.list(call, request.params?.cursor))(request, ctx),
      );
      onTaskRequest.call(server, "tasks/cancel", (request, ctx) =>
        handle((call) => deps.tasks.cancel(call, request.params?.taskId))(request, ctx),
      );
    } else {
      // The tasks extension (tasks/result and tasks/list are gone from it: method not found).
      // The SDK has no 2026-07-28 schema for these methods: they are registered with our own.
      const onExtensionRequest = server.setRequestHandler as unknown as (
        method: string,
        schemas: { params: typeof TASK_PARAMS },
        handler: (
          params: { taskId?: unknown; inputResponses?: unknown },
          ctx: ServerContext,
        ) => Promise<unknown>,
      ) => void;
      onExtensionRequest.call(server, "tasks/get", { params: TASK_PARAMS }, (params, ctx) => {
        requireTasks(ctx, "tasks/get");
        return handle((call) => detailedTask(deps.tasks, call, params.taskId))(params, ctx);
      });
      onExtensionRequest.call(server, "tasks/cancel", { params: TASK_PARAMS }, (params, ctx) => {
        requireTasks(ctx, "tasks/cancel");
        return handle(async (call) => {
          await deps.tasks.cancelIfRunning(call, params.taskId);
          return ACK;
        })(params, ctx);
      });
      // Answers to the task's open questions (keys naming none are ignored).
      onExtensionRequest.call(server, "tasks/update", { params: TASK_PARAMS }, (params, ctx) => {
        requireTasks(ctx, "tasks/update");
        return handle(async (call) => {
          // The SDK lifts a request's `inputResponses` out of its params (SEP-2322).
          await deps.tasks.update(call, params.taskId, params.inputResponses ?? ctx.mcpReq.inputResponses);
          return ACK;
        })(params, ctx);
      });
    }
    server.setRequestHandler("logging/setLevel", (request, ctx) =>
      handle(async (call) => {
        // 2026-07-28 clients send their level with every request; 2025 ones set it once.
        if (isLogLevel(request.params.level))
          await setLogLevel(deps.passthrough, policySubject(call.identity).id, request.params.level);
        return {};
      })(request, ctx),
    );
    server.setRequestHandler("resources/subscribe", (request, ctx) =>
      handle(async (call) => {
        await subscriptions.subscribe(call, request.params.uri);
        return {};
      })(request, ctx),
    );
    server.setRequestHandler("resources/unsubscribe", (request, ctx) =>
      handle(async (call) => {
        subscriptions.unsubscribe(call, request.params.uri);
        return {};
      })(request, ctx),
    );
    server.setRequestHandler("completion/complete", (request, ctx) =>
      handle(async (call) => {
        const { ref } = request.params;
        // Through a bare portal a prompt is named as its server names it, as in prompts/get.
        if (call.portal === null || ref.type !== "ref/prompt") return complete(catalog, call, request.params);
        const name = portalPromptName(call, ref.name, await listPrompts(catalog, call));
        return complete(catalog, call, { ...request.params, ref: { ...ref, name } });
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
      handle(async (call) =>
        itemResultForClient(
          (await readAppResource(catalog, call, request.params.uri)) ??
            (await readResource(catalog, call, request.params.uri)),
          call.protocolVersion,
        ),
      )(request, ctx),
    );
    server.setRequestHandler(
      "prompts/list",
      handle(async (call) => {
        const prompts = await listPrompts(catalog, call);
        return { prompts: call.portal ? portalPrompts(call, prompts) : prompts };
      }),
    );
    server.setRequestHandler("prompts/get", (request, ctx) =>
      handle(async (call) => {
        const name = call.portal
          ? portalPromptName(call, request.params.name, await listPrompts(catalog, call))
          : request.params.name;
        return itemResultForClient(
          await getPrompt(catalog, call, name, request.params.arguments),
          call.protocolVersion,
        );
      })(request, ctx),
    );
    return server;
  };
}

/** Cancellation and progress of a meta-tool call (its inner calls report through it). */
function metaCallOptions(ctx: ServerContext): CallToolOptions {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    signal: ctx.mcpReq.signal,
    onProgress:
      progressToken === undefined
        ? undefined
        : (p) => {
            void ctx.mcpReq
              .notify({ method: "notifications/progress", params: { progressToken, ...p } })
              .catch(() => undefined);
          },
  };
}
