import { AppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { EXECUTE } from "@portcullis/policy/context/meta-tools";
import { sandboxIdentifier } from "@portcullis/policy/context/tool-signature";
import type { CallToolResult } from "@portcullis/upstream/types";
import type { CallToolOptions } from "../pipeline/call-tool";
import type { CallContext } from "../pipeline/request-context";
import type { ContextDeps } from "./context-deps";
import { innerToolCall } from "./inner-call";
import { parseExecuteArgs } from "./meta-arguments";
import { governMetaCall } from "./meta-tool-governance";
import { portalScopeOf } from "./portal-scope";
import { runInSandbox } from "./sandbox";

/**
 * `execute`: runs the model's code in the sandbox with each tool the caller may call as
 * `tools.<name>`. Every call the code makes is a request of its own through the pipeline
 * (inner-call.ts), audited with this request's event as its parent. The run itself first
 * passes rate limits and DLP on its code (meta-tool-governance.ts). A failure of the code
 * (its own error or a bound it hit) is a tool error result the model can read and fix.
 */
export async function executeCode(
  deps: ContextDeps,
  call: CallContext,
  rawArgs: unknown,
  options: CallToolOptions,
): Promise<CallToolResult> {
  const audit = call.audit;
  const { code } = await governMetaCall(deps.stages, call, EXECUTE, rawArgs, parseExecuteArgs);
  call.eventId ??= newId("auditEvent");
  const view = call.snapshot.viewOf(call.identity);
  const scope = portalScopeOf(call);
  const tools = view.tools
    .filter(({ tool }) => scope === null || scope.has(tool.exposedName))
    .map(({ tool }) => ({
      identifier: sandboxIdentifier(tool.exposedName),
      name: tool.exposedName,
    }));
  if (deps.running.count >= deps.sandbox.concurrentRuns) {
    throw new AppError(
      "RATE_LIMITED",
      `execute refused: ${deps.sandbox.concurrentRuns} runs are already in progress on this gateway; retry shortly`,
    );
  }
  deps.running.count += 1;
  let outcome: Awaited<ReturnType<typeof runInSandbox>>;
  try {
    outcome = await runInSandbox(
      code,
      {
        tools,
        callTool: (name, args) => innerToolCall(deps, call, name, args, options),
        signal: options.signal,
      },
      deps.sandbox,
    );
  } finally {
    deps.running.count -= 1;
  }
  audit.resultSummary = outcome.ok
    ? `ok after ${outcome.toolCalls} tool calls`
    : `failed after ${outcome.toolCalls} tool calls: ${outcome.message}`;
  audit.isError = !outcome.ok;
  if (outcome.ok) {
    const structured = { result: outcome.value, logs: outcome.logs, toolCalls: outcome.toolCalls };
    return { content: [{ type: "text", text: JSON.stringify(structured) }], structuredContent: structured };
  }
  const structured = {
    error: { message: outcome.message, limit: outcome.limit },
    logs: outcome.logs,
    toolCalls: outcome.toolCalls,
  };
  return {
    content: [
      {
        type: "text",
        text: `${outcome.message}${outcome.logs.length ? `\nlogs:\n${outcome.logs.join("\n")}` : ""}`,
      },
    ],
    structuredContent: structured,
    isError: true,
  };
}
