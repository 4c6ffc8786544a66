/** The scope every MCP endpoint asks tokens for (the AS grants it with the endpoint as audience). */
export const MCP_SCOPES: readonly string[] = ["mcp"];
