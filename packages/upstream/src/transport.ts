import {
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from "@modelcontextprotocol/client";
import { getDefaultEnvironment } from "@modelcontextprotocol/client/stdio";
import { unavailable } from "./errors";
import { type OutboundGuard, OutboundRefusedError } from "./outbound-guard";
import { markRelatedMessages } from "./related-stream";
import { scopedAbortFetch } from "./scoped-abort-fetch";
import { buildStdioLaunch, type StdioLaunchPolicy } from "./stdio-launch";
import { ProcessGroupStdioTransport } from "./stdio-transport";
import type { StdioLaunchEvent, UpstreamLogger, UpstreamSpec } from "./types";

/** What the pool's owner decided about outbound connections (operator configuration). */
export interface TransportPolicy {
  outbound: OutboundGuard;
  stdio: StdioLaunchPolicy;
  /** Called for every stdio process started (the gateway audits each launch). */
  onLaunch?: (event: StdioLaunchEvent) => void;
}

/**
 * Builds the SDK transport for a spec (not started: `client.connect` starts it).
 * @throws AppError FORBIDDEN for a stdio command the operator did not allow or a URL the SSRF guard refuses.
 */
export function createTransport(
  spec: UpstreamSpec,
  logger: UpstreamLogger,
  policy: TransportPolicy,
  traceContext?: () => Record<string, string> | undefined,
): Transport {
  if (spec.transport === "stdio") {
    if (!spec.command) throw unavailable(spec.name, "no command configured");
    const launch = buildStdioLaunch(
      policy.stdio,
      {
        id: spec.id,
        command: spec.command,
        args: spec.args ?? [],
        env: spec.env ?? {},
        network: spec.network ?? true,
      },
      // The SDK's minimal safe environment (PATH, HOME, USER…), never the gateway's own.
      getDefaultEnvironment(),
    );
    logger.info(
      {
        server: spec.name,
        command: launch.commandLine,
        sandbox: policy.stdio.sandbox,
        network: spec.network ?? true,
      },
      "starting stdio server",
    );
    if (spec.network === false && policy.stdio.sandbox === "none") {
      logger.warn(
        { server: spec.name },
        "network: false has no effect without the sandbox (PORTCULLIS_STDIO_SANDBOX=bubblewrap)",
      );
    }
    policy.onLaunch?.({
      serverId: spec.id,
      serverName: spec.name,
      commandLine: launch.commandLine,
      sandbox: policy.stdio.sandbox,
      network: spec.network ?? true,
    });
    return new ProcessGroupStdioTransport({
      command: launch.command,
      args: launch.args,
      env: launch.env,
      replaceEnv: true,
      ...(launch.cwd && { cwd: launch.cwd }),
      // A server's stderr is its own chatter (progress bars, banners): debug, not info.
      onStderr: (line) => logger.debug?.({ server: spec.name, stderr: line }, "upstream stderr"),
    });
  }
  const url = parseUrl(spec);
  try {
    policy.outbound.checkUrl(url);
  } catch (error) {
    if (error instanceof OutboundRefusedError) throw unavailable(spec.name, error.message, error);
    throw error;
  }
  // Streamable HTTP requests take the guard's lean fetch (the hot path); SSE keeps fetch's.
  const base = spec.transport === "sse" ? policy.outbound.fetch : policy.outbound.leanFetch;
  const guarded = traceContext
    ? withTraceHeaders(scopedAbortFetch(base), traceContext)
    : scopedAbortFetch(base);
  const options = {
    requestInit: { headers: { ...spec.headers } },
    // Streamable HTTP answers a request on its own stream: tag what arrives there with it.
    fetch: spec.transport === "sse" ? guarded : (markRelatedMessages(guarded) as FetchLike),
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
