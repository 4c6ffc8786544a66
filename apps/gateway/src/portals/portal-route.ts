/**
 * `/mcp/<portal>`: the portal a request path names, or null for any other path. The name
 * is one path segment of the portal-name alphabet (contracts/portal.ts), so a path with
 * more segments, dots or percent-escapes is never a portal.
 */
export function portalNameOf(mcpPath: string, path: string): string | null {
  if (!path.startsWith(`${mcpPath}/`)) return null;
  const name = path.slice(mcpPath.length + 1);
  return /^[a-z0-9][a-z0-9-]{0,63}$/.test(name) ? name : null;
}

/** The MCP endpoint's path; portals live under it. */
export const MCP_PATH = "/mcp";
