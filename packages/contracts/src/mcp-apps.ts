/**
 * MCP Apps: a tool may name a `ui://` resource (its user interface) in its `_meta`, as
 * `_meta.ui.resourceUri` (the MCP Apps extension) or the earlier flat `_meta["ui/resourceUri"]`.
 * The catalog keeps that URI with the tool, so a client granted the tool can read it.
 */
export function uiResourceUriOf(tool: { _meta?: unknown }): string | null {
  const meta = tool._meta as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== "object") return null;
  const nested = (meta.ui as Record<string, unknown> | undefined)?.resourceUri;
  const uri = typeof nested === "string" ? nested : meta["ui/resourceUri"];
  return typeof uri === "string" && uri.startsWith("ui://") ? uri : null;
}
