import type { SnapshotTool } from "@portcullis/contracts/snapshot";
import { Tiktoken } from "js-tiktoken/lite";
import o200kBase from "js-tiktoken/ranks/o200k_base";
import { type ListedTool, metaToolsFor } from "./meta-tools";

/** The tokens each exposure puts into a model's context with `tools/list` alone. */
export interface ExposureTokenCost {
  full: number;
  search: number;
  code: number;
}

let encoder: Tiktoken | null = null;

/** Tokens of a text in o200k_base (the GPT-4o family's encoding; Claude's is close in size). */
export function countTokens(text: string): number {
  encoder ??= new Tiktoken(o200kBase);
  return encoder.encode(text).length;
}

/** A tool as `full` mode's `tools/list` sends it (the gateway's mcp/list-tools.ts shape). */
export function listedTool(tool: SnapshotTool): ListedTool {
  const out: ListedTool & Record<string, unknown> = {
    name: tool.exposedName,
    description: tool.description ?? undefined,
    inputSchema: tool.inputSchema as ListedTool["inputSchema"],
  };
  if (tool.title) out.title = tool.title;
  if (tool.outputSchema) out.outputSchema = tool.outputSchema;
  if (tool.annotations) out.annotations = tool.annotations;
  return out;
}

/**
 * What `tools/list` costs in each mode for a caller who may call `tools` (sorted as listed):
 * the JSON of the tools array, as a client hands it to the model.
 */
export function exposureTokenCost(tools: readonly SnapshotTool[]): ExposureTokenCost {
  return {
    full: countTokens(JSON.stringify(tools.map(listedTool))),
    search: countTokens(JSON.stringify(metaToolsFor("search"))),
    code: countTokens(JSON.stringify(metaToolsFor("code"))),
  };
}
