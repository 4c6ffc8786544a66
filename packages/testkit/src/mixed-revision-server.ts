import type { IncomingMessage, ServerResponse } from "node:http";
import { McpServer as LegacyMcpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { listenLocal, readJson, rejectWithoutBearer } from "./fixture-http";
import { type FixtureServer, type FixtureServerOptions, FixtureState } from "./fixture-state";

export interface MixedRevisionServerOptions extends FixtureServerOptions {
  /** Called with every v1 server this fixture builds (one per request), to add surface. */
  extend?: (server: LegacyMcpServer) => void;
}

/**
 * A server that mixes revisions the way the conformance suite's reference server does: it
 * answers `server/discover` (so a negotiating client picks 2026-07-28), then serves every
 * other request with the v1 SDK, whose results carry no `resultType` and no cache fields.
 * Stateless: a fresh v1 McpServer per POST, at `/mcp`.
 */
export async function startMixedRevisionServer(
  options: MixedRevisionServerOptions = {},
): Promise<FixtureServer> {
  const state = new FixtureState("mixed", options);
  const listening = await listenLocal(async (req: IncomingMessage, res: ServerResponse) => {
    if (rejectWithoutBearer(req, res, options.requireBearer)) return;
    if (!req.url?.startsWith("/mcp")) return void res.writeHead(404).end();
    if (req.method !== "POST") return void res.writeHead(405).end();
    const body = (await readJson(req)) as { id?: unknown; method?: unknown } | undefined;
    if (body?.method === "server/discover") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result: discoverResult(state.tag) }));
      return;
    }
    // The v1 transport checks the header against the 2025 revisions it knows.
    req.headers["mcp-protocol-version"] = "2025-11-25";
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]?.toLowerCase() === "mcp-protocol-version") req.rawHeaders[i + 1] = "2025-11-25";
    }
    const server = new LegacyMcpServer(
      { name: `portcullis-fixture-${state.tag}`, version: "1.0.0" },
      { capabilities: { logging: {} } },
    );
    const registration = state.register(server, "v1");
    options.extend?.(server);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.once("close", () => {
      registration.release();
      void server.close().catch(() => {});
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  return {
    url: `${listening.origin}/mcp`,
    tag: state.tag,
    get calls() {
      return state.calls;
    },
    sessionsOpened: 0,
    setToolDescription: (name, description) => state.setToolDescription(name, description),
    listTool: (name) => state.listTool(name),
    dropSessions: async () => {},
    close: () => listening.close(),
  };
}

function discoverResult(tag: string): Record<string, unknown> {
  return {
    resultType: "complete",
    supportedVersions: ["2026-07-28", "2025-11-25"],
    capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} },
    _meta: { "io.modelcontextprotocol/serverInfo": { name: `portcullis-fixture-${tag}`, version: "1.0.0" } },
  };
}
