import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The cheapest Streamable HTTP MCP server node:http allows: stateless, JSON responses, one
 * `echo` tool. It answers the 2025-11-25 handshake (and refuses `server/discover`, so a
 * 2026-era client falls back to it), `tools/list` and `tools/call`. Its own cost is a few
 * microseconds per call, so a bench against it measures the gateway and not the upstream.
 * With `revision: "2026-07-28"` it speaks that revision instead: it answers `server/discover`
 * and puts `resultType` on its results (it checks no envelope: it is a cost floor, not a
 * conformant server).
 */

const PROTOCOL = "2025-11-25";
const ECHO_TOOL = {
  name: "echo",
  description: "Echoes its message",
  inputSchema: {
    type: "object",
    properties: { message: { type: "string" } },
    required: ["message"],
  },
  annotations: { readOnlyHint: true },
};

interface JsonRpcRequest {
  jsonrpc: "2.0";
  id?: string | number;
  method: string;
  params?: { name?: string; arguments?: { message?: unknown } };
}

export type MinimalRevision = "2025-11-25" | "2026-07-28";

const DISCOVER = {
  supportedVersions: ["2026-07-28"],
  capabilities: { tools: {} },
  resultType: "complete",
  ttlMs: 0,
  cacheScope: "private",
  _meta: { "io.modelcontextprotocol/serverInfo": { name: "minimal-upstream", version: "1.0.0" } },
};

function answer2026(message: JsonRpcRequest): object {
  switch (message.method) {
    case "server/discover":
      return DISCOVER;
    case "tools/list":
      return { tools: [ECHO_TOOL], resultType: "complete", ttlMs: 0, cacheScope: "private" };
    case "tools/call":
      return {
        content: [{ type: "text", text: String(message.params?.arguments?.message ?? "") }],
        resultType: "complete",
      };
    default:
      return { error: { code: -32601, message: `Method not found: ${message.method}` } };
  }
}

function answer(message: JsonRpcRequest): object {
  switch (message.method) {
    case "initialize":
      return {
        protocolVersion: PROTOCOL,
        capabilities: { tools: {} },
        serverInfo: { name: "minimal-upstream", version: "1.0.0" },
      };
    case "ping":
      return {};
    case "tools/list":
      return { tools: [ECHO_TOOL] };
    case "tools/call":
      return { content: [{ type: "text", text: String(message.params?.arguments?.message ?? "") }] };
    default:
      return { error: { code: -32601, message: `Method not found: ${message.method}` } };
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function createMinimalUpstream(revision: MinimalRevision = "2025-11-25"): Server {
  const answerOf = revision === "2026-07-28" ? answer2026 : answer;
  const server = createServer(async (req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    let message: JsonRpcRequest;
    try {
      message = JSON.parse(await readAll(req)) as JsonRpcRequest;
    } catch {
      const error = { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } };
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify(error));
      return;
    }
    if (message.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    const result = answerOf(message);
    const body = JSON.stringify(
      "error" in result
        ? { jsonrpc: "2.0", id: message.id, ...result }
        : { jsonrpc: "2.0", id: message.id, result },
    );
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

export async function startMinimalUpstream(
  port = 0,
  revision: MinimalRevision = "2025-11-25",
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createMinimalUpstream(revision);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/mcp`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
