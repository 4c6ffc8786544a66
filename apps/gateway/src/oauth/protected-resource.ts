/**
 * The gateway as an OAuth protected resource (RFC 9728): each MCP endpoint (`/mcp`, and
 * `/mcp/<portal>`) is its own resource, named by its canonical public URL, with its own
 * metadata document at `/.well-known/oauth-protected-resource<endpoint path>`.
 */
export interface ProtectedResourceConfig {
  /** GATEWAY_PUBLIC_URL: the origin (and optional base path) clients reach the gateway at. */
  publicUrl: string;
  /** The authorization server's issuer (the console's OAuth AS). */
  issuer: string;
  /** Scopes a token needs to call an endpoint. */
  scopes: readonly string[];
}

export const METADATA_PREFIX = "/.well-known/oauth-protected-resource";

/** Whether `path` is an MCP endpoint the gateway serves as a resource (`/mcp`, `/mcp/<name>`). */
export function isMcpEndpointPath(path: string): boolean {
  return path === "/mcp" || /^\/mcp\/[A-Za-z0-9][A-Za-z0-9_-]*$/.test(path);
}

/** The canonical URL of an endpoint: what a token's `aud` must be exactly (RFC 8707). */
export function resourceUrl(config: ProtectedResourceConfig, endpointPath: string): string {
  return `${config.publicUrl.replace(/\/+$/, "")}${endpointPath}`;
}

export function metadataUrl(config: ProtectedResourceConfig, endpointPath: string): string {
  const base = new URL(config.publicUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  return `${base.origin}${METADATA_PREFIX}${basePath}${endpointPath}`;
}

/**
 * The endpoint a metadata request is about: the path after the well-known prefix, or `/mcp`
 * for the bare document (clients that probe the root first). Null: not a metadata path.
 */
export function endpointOfMetadataPath(path: string): string | null {
  if (path === METADATA_PREFIX) return "/mcp";
  if (!path.startsWith(`${METADATA_PREFIX}/`)) return null;
  const endpoint = path.slice(METADATA_PREFIX.length);
  return isMcpEndpointPath(endpoint) ? endpoint : null;
}

export function protectedResourceMetadata(config: ProtectedResourceConfig, endpointPath: string) {
  return {
    resource: resourceUrl(config, endpointPath),
    authorization_servers: [config.issuer],
    scopes_supported: [...config.scopes],
    bearer_methods_supported: ["header"],
    resource_name: `Portcullis MCP gateway (${endpointPath})`,
  };
}
