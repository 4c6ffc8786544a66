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

/**
 * What `tools/list` costs in each mode for a caller whose full list is `fullList`: the JSON
 * of the tools array, as a client hands it to the model.
 */
export function exposureTokenCost(fullList: readonly ListedTool[]): ExposureTokenCost {
  return {
    full: countTokens(JSON.stringify(fullList)),
    search: countTokens(JSON.stringify(metaToolsFor("search"))),
    code: countTokens(JSON.stringify(metaToolsFor("code"))),
  };
}
