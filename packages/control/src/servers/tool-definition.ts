import { canonicalHash } from "../canonical-json";

/** A tool as an upstream lists it (the MCP `Tool` shape, only the fields we store). */
export interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/**
 * SHA-256 of the canonical definition: every field that can change what a model is told
 * about the tool or what the tool accepts. Absent and null fields hash alike, so an
 * upstream that starts sending `title: null` does not look like a changed tool.
 */
export function toolDefinitionHash(tool: ListedTool): string {
  return canonicalHash({
    name: tool.name,
    title: tool.title ?? null,
    description: tool.description ?? null,
    inputSchema: tool.inputSchema ?? null,
    outputSchema: tool.outputSchema ?? null,
    annotations: tool.annotations ?? null,
  });
}
