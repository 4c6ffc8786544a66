import { newId } from "@portcullis/contracts/ids";
import type { CallToolResult } from "@portcullis/upstream/types";
import { recordAudit } from "../audit/audit-recorder";
import { type CallToolOptions, callTool } from "../pipeline/call-tool";
import { type CallContext, newAuditFields } from "../pipeline/request-context";
import { toWireError } from "../pipeline/wire-errors";
import type { ContextDeps } from "./context-deps";
import { scopedInnerCall } from "./portal-scope";
import type { ToolCallFailure } from "./sandbox";

/**
 * One tool call made by `execute`'s code: a request of its own through the whole tools/call
 * pipeline (grants, validation, DLP, rate limits, approvals), as the same agent, under the
 * same snapshot version, with its own audit event linked to the outer `execute` event.
 * Resolves to the value the code sees; rejects with the error a direct call would get.
 */
export async function innerToolCall(
  deps: ContextDeps,
  parent: CallContext,
  name: string,
  args: Record<string, unknown>,
  options: CallToolOptions,
): Promise<unknown> {
  const child: CallContext = {
    requestId: newId("request"),
    occurredAt: new Date(),
    startedAt: performance.now(),
    method: "tools/call",
    protocolVersion: parent.protocolVersion,
    identity: parent.identity,
    snapshot: parent.snapshot,
    handlerDone: null,
    portal: parent.portal,
    parentEventId: parent.eventId,
    audit: newAuditFields(),
  };
  let result: CallToolResult;
  try {
    result = await callTool(
      deps.pool,
      deps.stages,
      child,
      scopedInnerCall(parent, { name, arguments: args }),
      options,
    );
  } catch (err) {
    const wire = toWireError(err, child);
    throw { message: wire.message, code: wire.code, data: wire.data } satisfies ToolCallFailure;
  } finally {
    recordAudit(deps.audit, child);
  }
  if (result.isError)
    throw { message: textOf(result) || `tool '${name}' returned an error` } satisfies ToolCallFailure;
  return valueForCode(result);
}

/** What code gets from a tool: its structured result, else its text (parsed when it is JSON). */
function valueForCode(result: CallToolResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const blocks = result.content ?? [];
  if (blocks.every((b) => b.type === "text")) {
    const text = textOf(result);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return blocks;
}

function textOf(result: CallToolResult): string {
  return (result.content ?? []).flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n");
}
