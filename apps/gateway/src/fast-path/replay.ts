import type { IncomingMessage } from "node:http";
import { createMcpHandler, type McpHttpHandler, ProtocolError, Server } from "@modelcontextprotocol/server";
import type { JsonRpcMessage } from "../http/json-rpc";

/** What the pipeline produced for a request: a result, or the wire error it threw. */
export type Outcome = { result: Record<string, unknown> } | { error: ProtocolError };

/**
 * The SDK's own serving of an outcome already computed: a Server whose tools/call and
 * tools/list handlers return (or throw) it. The lean path uses it for any answer it does not
 * encode itself, so such an answer is the SDK's, byte for byte, without running the call twice.
 */
export function createReplayHandler(version: string, maxBodyBytes: number): McpHttpHandler {
  return createMcpHandler(
    ({ authInfo }) => {
      const outcome = authInfo?.extra?.outcome as Outcome;
      const server = new Server(
        { name: "portcullis", version },
        { capabilities: { tools: { listChanged: true }, resources: {}, prompts: {} } },
      );
      const answer = async () => {
        if ("error" in outcome) throw outcome.error;
        return outcome.result as never;
      };
      server.setRequestHandler("tools/call", answer);
      server.setRequestHandler("tools/list", answer);
      return server;
    },
    { legacy: "stateless", maxRequestBodySize: maxBodyBytes },
  );
}

const FORWARDED = ["accept", "content-type", "mcp-protocol-version", "mcp-method", "mcp-name"];

/** Serves `message` with `outcome` through the replay handler; the SDK's Response. */
export function replay(
  handler: McpHttpHandler,
  req: IncomingMessage,
  message: JsonRpcMessage,
  outcome: Outcome,
): Promise<Response> {
  const headers = new Headers();
  for (const name of FORWARDED) {
    const value = req.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  return handler.fetch(new Request(`http://localhost${req.url ?? "/mcp"}`, { method: "POST", headers }), {
    parsedBody: message,
    authInfo: { token: "", clientId: "replay", scopes: [], extra: { outcome } },
  });
}

export { ProtocolError };
