import { canonicalHash } from "../canonical-json";

/** A tool as an upstream lists it (the MCP `Tool` shape, only the fields we store). */
export interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  /** How the tool may be called (`taskSupport`); stored, outside the definition hash. */
  execution?: Record<string, unknown>;
  /** Read for MCP Apps' `ui://` resource only (outside the definition hash). */
  _meta?: Record<string, unknown>;
}

/**
 * Every field that can change what a model is told about the tool or what the tool
 * accepts, absent ones as null: what the definition hash covers, and what is kept as a
 * tool's approved definition (so a review can show it beside the current one).
 */
export interface ToolDefinition {
  name: string;
  title: string | null;
  description: string | null;
  inputSchema: Record<string, unknown> | null;
  outputSchema: Record<string, unknown> | null;
  annotations: Record<string, unknown> | null;
}

export function toolDefinition(tool: ListedTool): ToolDefinition {
  return {
    name: tool.name,
    title: tool.title ?? null,
    description: tool.description ?? null,
    inputSchema: tool.inputSchema ?? null,
    outputSchema: tool.outputSchema ?? null,
    annotations: tool.annotations ?? null,
  };
}

/**
 * The definition as a Tool row stores it (the sync wrote these columns from the listed
 * tool), for approving what an admin was shown.
 */
export function storedToolDefinition(row: {
  upstreamName: string;
  title: string | null;
  description: string | null;
  inputSchema: unknown;
  outputSchema: unknown;
  annotations: unknown;
}): ToolDefinition {
  return {
    name: row.upstreamName,
    title: row.title,
    description: row.description,
    inputSchema: (row.inputSchema ?? null) as Record<string, unknown> | null,
    outputSchema: (row.outputSchema ?? null) as Record<string, unknown> | null,
    annotations: (row.annotations ?? null) as Record<string, unknown> | null,
  };
}

/**
 * SHA-256 of the canonical definition. Absent and null fields hash alike, so an upstream
 * that starts sending `title: null` does not look like a changed tool.
 */
export function toolDefinitionHash(tool: ListedTool): string {
  return canonicalHash(toolDefinition(tool));
}
