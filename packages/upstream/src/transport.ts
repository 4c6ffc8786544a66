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
export function createTransport(spec: UpstreamSpec, logger: UpstreamLogger): Transport {
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
    fetch: scopedAbortFetch(),
  };
  return spec.transport === "sse"
    ? new SSEClientTransport(url, options)
    : new StreamableHTTPClientTransport(url, options);
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
