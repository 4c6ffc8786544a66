import { CALL_TOOL, EXECUTE, SEARCH_TOOLS } from "@portcullis/policy/context/meta-tools";
import type { CallToolResult } from "@portcullis/upstream/types";
import { type CallToolOptions, type CallToolParams, callTool } from "../pipeline/call-tool";
import type { CallContext } from "../pipeline/request-context";
import type { ContextDeps } from "./context-deps";
import { executeCode } from "./execute";
import { exposureOf } from "./exposure-of";
import { parseCallArgs } from "./meta-arguments";
import { scopedInnerCall } from "./portal-scope";
import { searchTools } from "./search-tools";

/**
 * The tools/call hook: answers the meta-tools of the caller's exposure, or returns null so
 * the call goes down the ordinary pipeline (in `full` mode a meta-tool name is just unknown).
 */
export function callMetaTool(
  deps: ContextDeps,
  call: CallContext,
  params: CallToolParams,
  options: CallToolOptions,
): Promise<CallToolResult> | null {
  const exposure = exposureOf(call);
  if (exposure === "full") return null;
  if (params.name === SEARCH_TOOLS) return searchTools(deps.stages, call, params.arguments, exposure);
  if (exposure === "code" && params.name === EXECUTE)
    return executeCode(deps, call, params.arguments, options);
  if (exposure === "search" && params.name === CALL_TOOL) {
    // The request *is* the inner call: the ordinary pipeline on this context, so its audit
    // event, its errors and its approval wait are exactly those of a direct call.
    return Promise.resolve().then(() => {
      call.audit.toolName = CALL_TOOL;
      call.audit.arguments = params.arguments ?? null;
      const inner = parseCallArgs(params.arguments);
      return callTool(
        deps.pool,
        deps.stages,
        call,
        scopedInnerCall(call, { name: inner.name, arguments: inner.arguments }),
        options,
      );
    });
  }
  return null;
}
