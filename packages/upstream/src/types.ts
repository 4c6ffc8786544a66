/**
 * What the pool needs to reach one upstream MCP server, and the MCP types it hands back.
 * Consumers import the MCP types from here so the SDK stays an implementation detail.
 */
export type {
  CallToolResult,
  CompleteRequestParams,
  CompleteResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Tool,
} from "@modelcontextprotocol/client";

export type UpstreamTransportKind = "streamable-http" | "sse" | "stdio";

export interface UpstreamSpec {
  /** Server id; the pool key together with a hash of the rest of the spec. */
  id: string;
  /** For messages and logs. */
  name: string;
  transport: UpstreamTransportKind;
  url?: string | null;
  command?: string | null;
  args?: string[];
  /** stdio: merged over a minimal safe env (PATH, HOME…), never the gateway's whole env. */
  env?: Record<string, string> | null;
  /** stdio: false cuts the server off the network (bubblewrap sandbox only). Default true. */
  network?: boolean;
  /** http/sse: sent on every request (a bearer token is already folded in by the caller). */
  headers?: Record<string, string>;
  /** Per request, in milliseconds. */
  timeoutMs: number;
}

/** One stdio server process started by the pool. */
export interface StdioLaunchEvent {
  serverId: string;
  serverName: string;
  /** The server's command line exactly as started (inside the sandbox, if any). */
  commandLine: string;
  sandbox: "none" | "bubblewrap";
  network: boolean;
}

/** The structured logger the pool writes to (pino-compatible subset). */
export interface UpstreamLogger {
  debug?(o: object, msg?: string): void;
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

/** Progress reported by the upstream while a tool call runs. */
export interface UpstreamProgress {
  progress: number;
  total?: number;
  message?: string;
}
