import type { ToolExposure } from "@portcullis/contracts/exposure";

/** A tool definition as `tools/list` lists it (the MCP wire shape, without SDK types). */
export interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: { type: "object"; [key: string]: unknown };
}

/** Meta-tool names carry no `__`, so no upstream tool (`<server>__<tool>`) can take them. */
export const SEARCH_TOOLS = "search_tools";
export const CALL_TOOL = "call_tool";
export const EXECUTE = "execute";

export const SEARCH_LIMIT_DEFAULT = 5;
export const SEARCH_LIMIT_MAX = 20;

const searchTools: ListedTool = {
  name: SEARCH_TOOLS,
  title: "Search tools",
  description:
    "Find the tools you may call for a task. Returns the best matches with their names, descriptions and input schemas (and, in code mode, the typed function to call).",
  inputSchema: {
    type: "object",
    properties: {
      query: { type: "string", description: "What you want to do, in a few words" },
      limit: { type: "integer", minimum: 1, maximum: SEARCH_LIMIT_MAX, description: "Default 5" },
    },
    required: ["query"],
    additionalProperties: false,
  },
};

const callTool: ListedTool = {
  name: CALL_TOOL,
  title: "Call a tool",
  description:
    "Call a tool found with search_tools, by its exact name, with arguments matching its input schema.",
  inputSchema: {
    type: "object",
    properties: {
      name: { type: "string", description: "The tool's name as search_tools returned it" },
      arguments: { type: "object", description: "The tool's arguments" },
    },
    required: ["name"],
    additionalProperties: false,
  },
};

const execute: ListedTool = {
  name: EXECUTE,
  title: "Run code against your tools",
  description:
    "Run JavaScript (an async function body) in a sandbox. Each tool found with search_tools is `await tools.<name>(args)`, resolving to its structured result (or its text) and throwing on a tool error. `return` a JSON value; console.log output is returned too. No network, files, timers or environment; CPU time, memory, output size and tool calls are bounded.",
  inputSchema: {
    type: "object",
    properties: { code: { type: "string", description: "The body of an async function" } },
    required: ["code"],
    additionalProperties: false,
  },
};

/** The tools `tools/list` shows in a mode other than `full`. */
export function metaToolsFor(exposure: Exclude<ToolExposure, "full">): ListedTool[] {
  return exposure === "search" ? [searchTools, callTool] : [searchTools, execute];
}
