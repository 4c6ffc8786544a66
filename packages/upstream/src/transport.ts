import {
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from "@modelcontextprotocol/client";
import { unavailable } from "./errors";
import { scopedAbortFetch } from "./scoped-abort-fetch";
import { ProcessGroupStdioTransport } from "./stdio-transport";
import type { UpstreamLogger, UpstreamSpec } from "./types";

/** Builds the SDK transport for a spec (not started: `client.connect` starts it). */
export function createTransport(
  spec: UpstreamSpec,
  logger: UpstreamLogger,
  traceContext?: () => Record<string, string> | undefined,
): Transport {
  if (spec.transport === "stdio") {
    if (!spec.command) throw unavailable(spec.name, "no command configured");
    return new ProcessGroupStdioTransport({
      command: spec.command,
      args: spec.args ?? [],
      env: spec.env ?? {},
      onStderr: (line) => logger.info({ server: spec.name, stderr: line }, "upstream stderr"),
    });
  }
  const url = parseUrl(spec);
  const options = {
    requestInit: { headers: { ...spec.headers } },
    fetch: traceContext ? withTraceHeaders(scopedAbortFetch(), traceContext) : scopedAbortFetch(),
  };
  return spec.transport === "sse"
    ? new SSEClientTransport(url, options)
    : new StreamableHTTPClientTransport(url, options);
}

type FetchLike = ReturnType<typeof scopedAbortFetch>;

/** Adds the current trace context's headers to each request as it leaves (read per request, not per connection). */
function withTraceHeaders(
  base: FetchLike,
  traceContext: () => Record<string, string> | undefined,
): FetchLike {
  return (url, init) => {
    const extra = traceContext();
    if (!extra || Object.keys(extra).length === 0) return base(url, init);
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return base(url, { ...init, headers });
  };
}

function parseUrl(spec: UpstreamSpec): URL {
  if (!spec.url) throw unavailable(spec.name, "no URL configured");
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw unavailable(spec.name, "the configured URL is not valid");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw unavailable(spec.name, `unsupported URL scheme '${url.protocol}'`);
  }
  return url;
}
