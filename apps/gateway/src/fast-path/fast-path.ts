import type { IncomingMessage, ServerResponse } from "node:http";
import type { McpHttpHandler, ProtocolError } from "@modelcontextprotocol/server";
import { AppError } from "@portcullis/contracts/errors";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { Logger } from "pino";
import type { JsonRpcMessage } from "../http/json-rpc";
import { listToolsFor } from "../mcp/list-tools";
import { callResultForClient, callResultNeedsBridge } from "../mcp/revision-bridge";
import { toolsForRevision } from "../mcp/tool-execution";
import {
  type CallToolOptions,
  type CallToolParams,
  type CallToolStages,
  callTool,
} from "../pipeline/call-tool";
import {
  type CallContext,
  callContextOf,
  HANDLER_DONE,
  type RequestContext,
} from "../pipeline/request-context";
import { toWireError } from "../pipeline/wire-errors";
import { type FastPathOptOut, type FastRoute, fastRouteOf } from "./eligibility";
import { type Encoded, encodeCallResult, errorMessage, frame, resultMessage } from "./encode";
import type { Notify } from "./refusing-channel";
import { createReplayHandler, type Outcome, replay } from "./replay";

export interface FastPathDeps {
  pool: UpstreamPool;
  stages: CallToolStages;
  logger: Logger;
  version: string;
  maxBodyBytes: number;
  /** Features that need the SDK's serving for some requests say so here (see FastPathOptOut). */
  optOuts?: FastPathOptOut[];
  /** What an upstream asks the client during a call gets (refusing-channel.ts); absent: none. */
  channelFor?: (call: CallContext, notify: Notify) => CallToolOptions["channelFor"];
  /** Send its tools/call upstream as one pooled HTTP request where possible (default true). */
  leanUpstream?: boolean;
}

export interface FastPath {
  /**
   * Serves an authenticated request on the lean path when it qualifies (fastRouteOf and no
   * opt-out): true once answered, with the audit fields filled and `rc.handlerDone` set, as
   * the SDK path leaves them. False: not taken, nothing written; the SDK path serves it.
   */
  serve(
    req: IncomingMessage,
    res: ServerResponse,
    message: JsonRpcMessage,
    rc: RequestContext,
  ): Promise<boolean>;
  /** Requests answered on the lean path, and how many of those answers the SDK encoded (replay). */
  readonly stats: { served: number; replayed: number };
  close(): Promise<void>;
}

/**
 * The lean path for tools/call and tools/list beside the SDK's serving: the same pipeline
 * (call-tool.ts, list-tools.ts) and audit, without a Request, a Response, web streams or an
 * SDK server per request. Answers are written as the SDK writes them; those it does not
 * encode itself (uncommon result shapes) are replayed through the SDK with the computed
 * outcome, and tools/list answers are encoded once per agent view and revision.
 */
export function createFastPath(deps: FastPathDeps): FastPath {
  const serverInfo = { name: "portcullis", version: deps.version };
  const replayHandler: McpHttpHandler = createReplayHandler(deps.version, deps.maxBodyBytes);
  const optOuts = deps.optOuts ?? [];
  /** tools/list result JSON per tool list (one per agent view) and revision, as the SDK encoded it. */
  const listCache = new WeakMap<object, Map<string, string>>();
  const stats = { served: 0, replayed: 0 };

  /** Runs the pipeline as server-factory.ts's handler wrapper does: same audit, same wire errors. */
  async function run(
    rc: RequestContext,
    fn: (call: CallContext) => Promise<Record<string, unknown>>,
  ): Promise<Outcome> {
    // The lean handler is done when `serve` returns, which the endpoint awaits before it
    // reads `handlerDone`: a settled promise says so without a promise and resolver per call.
    rc.handlerDone = HANDLER_DONE;
    try {
      const call = callContextOf(rc);
      if (!call) throw new AppError("UNAVAILABLE", "gateway has no configuration yet");
      return { result: await fn(call) };
    } catch (err) {
      const wire: ProtocolError = toWireError(err, rc);
      if (rc.audit.decision === "error")
        deps.logger.error({ requestId: rc.requestId, err }, "request failed");
      return { error: wire };
    }
  }

  /** The answer when the lean path encodes it itself, without a promise (the common case); else null. */
  function encodeDirect(route: FastRoute, outcome: Outcome): Encoded | null {
    if ("error" in outcome) return frame(route, errorMessage(route, outcome.error));
    if (route.method !== "tools/call") return null;
    const json = encodeCallResult(route, outcome.result, serverInfo);
    return json === null ? null : frame(route, resultMessage(route, json));
  }

  /** What encodeDirect leaves: replayed through the SDK, or a tools/list answer (cached per view). */
  async function encodeOrReplay(
    req: IncomingMessage,
    message: JsonRpcMessage,
    route: FastRoute,
    outcome: Extract<Outcome, { result: unknown }>,
  ): Promise<Encoded | Response> {
    if (route.method === "tools/call") return replay(replayHandler, req, message, outcome);
    const tools = outcome.result.tools as object;
    let byRevision = listCache.get(tools);
    const cached = byRevision?.get(route.revision);
    if (cached !== undefined) return frame(route, resultMessage(route, cached));
    // First answer for this view: the SDK encodes it; its result is kept for the next ones.
    const response = await replay(replayHandler, req, message, outcome);
    const text = await response.text();
    const json = route.revision === "2026-07-28" ? text : sseData(text);
    const parsed = JSON.parse(json) as { result?: unknown };
    if (response.status === 200 && parsed.result !== undefined) {
      if (!byRevision) {
        byRevision = new Map();
        listCache.set(tools, byRevision);
      }
      byRevision.set(route.revision, JSON.stringify(parsed.result));
    }
    return new Response(text, { status: response.status, headers: response.headers });
  }

  return {
    async serve(req, res, message, rc) {
      const route = fastRouteOf(req, message);
      if (!route || optOuts.some((optOut) => optOut(rc, message))) return false;
      let outcome: Outcome;
      /** Log notifications of the call (already screened), as the SDK writes them. */
      let notifications = null as string[] | null;
      if (route.method === "tools/list") {
        outcome = await run(rc, async (call) => ({
          tools: toolsForRevision(listToolsFor(call.snapshot.viewOf(call.identity)), call.protocolVersion),
        }));
      } else {
        const controller = new AbortController();
        // As on the SDK path: a client that goes away cancels the call (and its upstream request).
        res.on("close", () => {
          if (!res.writableFinished) controller.abort();
        });
        const params = message.params as unknown as CallToolParams;
        const channelFor = deps.channelFor;
        outcome = await run(rc, (call) =>
          callTool(deps.pool, deps.stages, call, params, {
            signal: controller.signal,
            leanUpstream: deps.leanUpstream !== false,
            // The collector exists only where a channel can use it (not allocated per call otherwise).
            ...(channelFor && {
              channelFor: channelFor(call, (n) => {
                // The SDK writes a notification's `_meta` first.
                const params =
                  n.params._meta === undefined ? n.params : { _meta: n.params._meta, ...n.params };
                notifications ??= [];
                notifications.push(JSON.stringify({ jsonrpc: "2.0", method: n.method, params }));
                return Promise.resolve();
              }),
            }),
          }).then(
            // Bridged to the client's revision exactly as the SDK path's handler does.
            (result) =>
              (callResultNeedsBridge(result, call.protocolVersion)
                ? callResultForClient(result, call.protocolVersion)
                : result) as Record<string, unknown>,
          ),
        );
      }
      const encoded =
        encodeDirect(route, outcome) ??
        (await encodeOrReplay(req, message, route, outcome as Extract<Outcome, { result: unknown }>));
      const answer = notifications !== null ? await asStream(encoded, notifications) : encoded;
      stats.served++;
      if (answer instanceof Response) {
        stats.replayed++;
        const headers: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          headers[name] = value;
        });
        res.writeHead(answer.status, headers);
        res.end(Buffer.from(await answer.arrayBuffer()));
      } else {
        res.writeHead(200, answer.headers);
        res.end(answer.body);
      }
      return true;
    },
    stats,
    close: () => replayHandler.close(),
  };
}

const SSE_HEADERS = {
  "cache-control": "no-cache, no-transform",
  "content-type": "text/event-stream",
  "x-accel-buffering": "no",
};

/**
 * An answer with the call's notifications ahead of it: the SDK answers on an SSE stream once
 * it has sent a notification during the request, whatever the revision.
 */
async function asStream(answer: Encoded | Response, notifications: string[]): Promise<Encoded> {
  const events = notifications.map((json) => `event: message\ndata: ${json}\n\n`).join("");
  const isSse = (type: string | null) => type?.startsWith("text/event-stream") ?? false;
  if (answer instanceof Response) {
    const text = await answer.text();
    const last = isSse(answer.headers.get("content-type")) ? text : `event: message\ndata: ${text}\n\n`;
    return { headers: SSE_HEADERS, body: events + last };
  }
  const last = isSse(answer.headers["content-type"] ?? null)
    ? answer.body
    : `event: message\ndata: ${answer.body}\n\n`;
  return { headers: SSE_HEADERS, body: events + last };
}

function sseData(text: string): string {
  const line = text.split("\n").find((l) => l.startsWith("data: "));
  return line ? line.slice(6) : "{}";
}
