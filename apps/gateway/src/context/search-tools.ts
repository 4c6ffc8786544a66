import { NO_TOOLS_MATCHED, type ToolExposure } from "@portcullis/contracts/exposure";
import { SEARCH_TOOLS } from "@portcullis/policy/context/meta-tools";
import { toolSignature } from "@portcullis/policy/context/tool-signature";
import type { CallToolResult } from "@portcullis/upstream/types";
import type { CallToolStages } from "../pipeline/call-tool";
import type { CallContext } from "../pipeline/request-context";
import { parseSearchArgs } from "./meta-arguments";
import { governMetaCall } from "./meta-tool-governance";
import { portalScopeOf } from "./portal-scope";
import { searchIndexFor } from "./search-index-cache";

/** One search hit as the model reads it. */
export interface FoundTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  /** Code mode: how to call it from `execute`. */
  signature?: string;
}

/**
 * `search_tools`: the best matches among the tools the caller may call (the index holds no
 * others). It passes rate limits and DLP first (meta-tool-governance.ts); the query is
 * audited (masked where a detector matched), and so is a search that found nothing.
 */
export async function searchTools(
  stages: CallToolStages,
  call: CallContext,
  rawArgs: unknown,
  exposure: ToolExposure,
): Promise<CallToolResult> {
  const audit = call.audit;
  const { query, limit } = await governMetaCall(stages, call, SEARCH_TOOLS, rawArgs, parseSearchArgs);
  const view = call.snapshot.viewOf(call.identity);
  // The index is per agent view (cached); a portal keeps the hits among its own tools.
  const scope = portalScopeOf(call);
  const index = searchIndexFor(call.snapshot, view);
  const hits =
    scope === null
      ? index.find(query, limit)
      : index.find(query, limit, ({ tool }) => scope.has(tool.exposedName));
  const tools: FoundTool[] = hits.map(({ entry: { tool } }) => {
    const found: FoundTool = { name: tool.exposedName, inputSchema: tool.inputSchema };
    if (tool.title) found.title = tool.title;
    if (tool.description) found.description = tool.description;
    if (exposure === "code")
      found.signature = toolSignature(tool.exposedName, tool.inputSchema, tool.outputSchema);
    return found;
  });
  audit.resultSummary =
    tools.length === 0 ? NO_TOOLS_MATCHED : `${tools.length} tools: ${tools.map((t) => t.name).join(", ")}`;
  const text = tools.length === 0 ? `No tools match '${query}'.` : JSON.stringify(tools);
  return { content: [{ type: "text", text }], structuredContent: { tools } };
}
