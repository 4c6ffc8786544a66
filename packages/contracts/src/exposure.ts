import { z } from "zod";

/**
 * How an agent's granted tools reach its context (issue 13):
 * - full: every granted tool's schema in `tools/list` (the default)
 * - search: `search_tools` and `call_tool` only; schemas come back from a search
 * - code: `search_tools` and `execute`; the model writes JavaScript calling typed tool functions
 * A null setting inherits (an agent's own setting wins over its portal's; see policy/context/exposure).
 */
export const toolExposure = z.enum(["full", "search", "code"]);
export type ToolExposure = z.infer<typeof toolExposure>;

/**
 * The audit `resultSummary` of a `search_tools` call that found nothing: the gateway writes
 * it, the console's dashboard lists those queries.
 */
export const NO_TOOLS_MATCHED = "no tools matched";
