import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  type Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { CallToolResult } from "@portcullis/upstream/types";
import { type CallToolParams, type CallToolStages, callTool } from "../pipeline/call-tool";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import { callChannelFor, isLogLevel, type LogLevel, type PassthroughDeps } from "./passthrough-channel";
import type { CancellableCalls } from "./passthrough-client-requests";
import { InputConversation, STATE_PREFIX, type SuspendedCalls } from "./passthrough-input-rounds";
import { PassthroughPeers } from "./passthrough-peers";
import type { RemoteRounds } from "./passthrough-remote-rounds";
import { callResultForClient } from "./revision-bridge";

export interface ToolsCallDeps {
  pool: UpstreamPool;
  stages: CallToolStages;
  passthrough: PassthroughDeps;
  cancellable: CancellableCalls;
  suspended: SuspendedCalls;
  /** logging/setLevel of 2025 clients, by agent (their requests carry no level of their own). */
  logLevels: Map<string, LogLevel>;
  /** This process among the gateway's replicas, and the retries it sends to the others (null: alone). */
  peers: PassthroughPeers | null;
  remoteRounds: RemoteRounds | null;
}

/** An `input_required` answer as the 2026-07-28 wire defines it (the SDK stamps `resultType`). */
function inputRequired(inputRequests: Record<string, unknown>, requestState: string): CallToolResult {
  return { resultType: "input_required", inputRequests, requestState } as unknown as CallToolResult;
}

/**
 * tools/call with everything an upstream may do during the call passed through: progress,
 * log messages, and its requests to the client (elicitation, sampling, roots), relayed by
 * the client's era; cancellation by the client reaches the upstream (and a pending approval).
 */
export async function serveToolsCall(
  deps: ToolsCallDeps,
  server: Server,
  era: "legacy" | "modern",
  call: CallContext,
  params: CallToolParams,
  ctx: ServerContext,
): Promise<CallToolResult> {
  const agentId = policySubject(call.identity).id;
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const onProgress =
    progressToken === undefined
      ? undefined
      : (p: { progress: number; total?: number; message?: string }) => {
          void ctx.mcpReq
            .notify({ method: "notifications/progress", params: { progressToken, ...p } })
            .catch(() => undefined);
        };
  const notify = (n: { method: string; params: Record<string, unknown> }) => ctx.mcpReq.notify(n as never);

  if (era === "legacy") {
    // A stateless 2025 client cancels with a notification on a request of its own.
    const controller = new AbortController();
    const onAbort = () => controller.abort(ctx.mcpReq.signal.reason);
    ctx.mcpReq.signal.addEventListener("abort", onAbort, { once: true });
    const untrack = deps.cancellable.track(agentId, ctx.mcpReq.id, controller);
    try {
      const channelFor = callChannelFor(deps.passthrough, call, {
        era,
        transport: server.transport,
        relatedRequestId: ctx.mcpReq.id,
        signal: controller.signal,
        notify,
        logLevel: deps.logLevels.get(agentId),
      });
      const result = await callTool(deps.pool, deps.stages, call, params, {
        signal: controller.signal,
        onProgress,
        channelFor,
      });
      return callResultForClient(result, call.protocolVersion);
    } finally {
      untrack();
      ctx.mcpReq.signal.removeEventListener("abort", onAbort);
    }
  }

  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  const level = envelope[LOG_LEVEL_META_KEY];
  const capabilities = envelope[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined;
  // A retry for a call suspended on another replica: that replica runs the round.
  const state = ctx.mcpReq.requestState();
  const owner = PassthroughPeers.ownerOf(state, STATE_PREFIX);
  if (deps.remoteRounds && owner && owner !== deps.peers?.id) {
    const outcome = await deps.remoteRounds.continueOn(
      owner,
      String(state),
      agentId,
      ctx.mcpReq.inputResponses,
      {
        notify,
        progress: onProgress,
        signal: ctx.mcpReq.signal,
      },
    );
    call.audit.toolName = params.name;
    if (outcome.kind === "done") return callResultForClient(outcome.value, call.protocolVersion);
    if (outcome.kind === "ask") return inputRequired(outcome.inputRequests, outcome.requestState);
    // No such conversation there: a fresh call, as for an unknown requestState here.
  }
  // A retry that carries the requestState of a call waiting for this agent's answers resumes it.
  let conversation = deps.suspended.resume(state, agentId) as InputConversation<CallToolResult> | undefined;
  if (conversation) {
    conversation.answer(ctx.mcpReq.inputResponses);
    // The call ran (and was audited as far as it got) under the first request; this one
    // records how it ended.
    call.audit.toolName = params.name;
  } else {
    const started = new InputConversation<CallToolResult>(agentId);
    const channelFor = callChannelFor(deps.passthrough, call, {
      era,
      conversation: started as InputConversation<unknown>,
      notify: (n) => started.notify(n),
      logLevel: isLogLevel(level) ? level : undefined,
      capabilities,
    });
    started.run(
      callTool(deps.pool, deps.stages, call, params, {
        signal: started.controller.signal,
        // Progress goes to the request of the current round, with that request's token.
        onProgress: (p) => started.progress?.(p),
        channelFor,
      }),
    );
    conversation = started;
  }
  const active = conversation;
  active.notify = notify;
  active.progress = onProgress;
  const onAbort = () => {
    active.controller.abort(ctx.mcpReq.signal.reason);
    active.abandon("the client went away");
  };
  ctx.mcpReq.signal.addEventListener("abort", onAbort, { once: true });
  try {
    const step = await active.round();
    if (step.kind === "done") return callResultForClient(step.value, call.protocolVersion);
    return inputRequired(step.inputRequests, deps.suspended.suspend(active as InputConversation<unknown>));
  } finally {
    ctx.mcpReq.signal.removeEventListener("abort", onAbort);
  }
}
