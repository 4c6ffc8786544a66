import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import { McpServer as LegacyMcpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { createMcpHandler, McpServer as ModernMcpServer } from "@modelcontextprotocol/server";
import { listenLocal, readJson, rejectWithoutBearer, sendWebResponse, toWebRequest } from "./fixture-http";
import { type FixtureServer, type FixtureServerOptions, FixtureState } from "./fixture-state";

export { FIXTURE_RESOURCE_URI, progressTool } from "../fixtures/surface.mjs";
export type { FixtureServer, FixtureServerOptions, FixtureTool, FixtureToolResult } from "./fixture-state";

/**
 * Absolute path of the stdio fixture script (run it with `process.execPath`). Flags:
 * `--diagnostics` (adds `pid`, `env`, `progress` tools), `--linger` (survives stdin EOF),
 * `--exit-on-probe` (dies on a `server/discover` request, like strict 2025 servers).
 */
export const STDIO_FIXTURE_PATH = fileURLToPath(new URL("../fixtures/stdio-server.mjs", import.meta.url));
/** A stdio server whose tools report what it can reach (`read`, `write`, `env`, `connect`): for sandbox tests. */
export const SANDBOX_PROBE_PATH = fileURLToPath(new URL("../fixtures/sandbox-probe.mjs", import.meta.url));
/** A wrapper that starts the stdio fixture as its own child and ignores SIGTERM, like `npx`. */
export const STDIO_WRAPPER_PATH = fileURLToPath(new URL("../fixtures/stdio-wrapper.mjs", import.meta.url));

function handle(
  state: FixtureState,
  url: string,
  close: () => Promise<void>,
  dropSessions: () => Promise<void> = async () => {},
): FixtureServer {
  return {
    url,
    tag: state.tag,
    get calls() {
      return state.calls;
    },
    get sessionsOpened() {
      return state.sessionsOpened;
    },
    setToolDescription: (name, description) => state.setToolDescription(name, description),
    listTool: (name) => state.listTool(name),
    dropSessions,
    close,
  };
}

export interface LegacyHttpServerOptions extends FixtureServerOptions {
  /** Answer POSTs with plain JSON instead of a one-message SSE stream. */
  jsonResponse?: boolean;
  /** Adds surface to each session's server (tools that log, elicit, sample…). */
  extend?: (server: LegacyMcpServer) => void;
  /** Options of each session's server (a task store and the tasks capability, for example). */
  serverOptions?: ConstructorParameters<typeof LegacyMcpServer>[1];
}

export interface ModernHttpServerOptions extends FixtureServerOptions {
  /** Adds surface to each request's server. */
  extend?: (server: ModernMcpServer) => void;
  /** How answers are framed: JSON unless the call sends something first (`auto`, the default), or always SSE. */
  responseMode?: "auto" | "sse" | "json";
}

/**
 * A 2025-11-25-only server: the v1 SDK's McpServer over its stateful Streamable HTTP
 * transport (one session per `initialize`, `Mcp-Session-Id` afterwards), at `/mcp`.
 */
export async function startLegacyHttpServer(options: LegacyHttpServerOptions = {}): Promise<FixtureServer> {
  const state = new FixtureState("legacy-http", options);
  const sessions = new Map<string, StreamableHTTPServerTransport>();

  const listening = await listenLocal(async (req: IncomingMessage, res: ServerResponse) => {
    if (rejectWithoutBearer(req, res, options.requireBearer)) return;
    if (!req.url?.startsWith("/mcp")) return void res.writeHead(404).end();
    const sessionId = req.headers["mcp-session-id"];
    const body = req.method === "POST" ? await readJson(req) : undefined;
    const existing = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(req, res, body);
    if (sessionId !== undefined || req.method !== "POST" || !isInitializeRequest(body)) {
      res.writeHead(sessionId === undefined ? 400 : 404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Session not found" }, id: null }),
      );
      return;
    }
    const server = new LegacyMcpServer(
      { name: `portcullis-fixture-${state.tag}`, version: "1.0.0" },
      options.serverOptions,
    );
    const registration = state.register(server, "v1");
    options.extend?.(server);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // SSE-framed answers by default (the SDK's default); plain JSON is cheaper for load tests.
      enableJsonResponse: options.jsonResponse ?? false,
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
        state.sessionsOpened++;
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      registration.release();
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });

  const dropSessions = async () => {
    const open = [...sessions.values()];
    sessions.clear();
    await Promise.all(open.map((t) => t.close().catch(() => {})));
  };
  return handle(
    state,
    `${listening.origin}/mcp`,
    async () => {
      await dropSessions();
      await listening.close();
    },
    dropSessions,
  );
}

/**
 * A 2026-07-28-only server: the v2 SDK's `createMcpHandler` with `legacy: 'reject'`
 * (stateless: a fresh McpServer per request, `server/discover` instead of `initialize`), at `/mcp`.
 */
export async function startModernHttpServer(options: ModernHttpServerOptions = {}): Promise<FixtureServer> {
  const state = new FixtureState("modern-http", options);
  const handler = createMcpHandler(
    () => {
      const server = new ModernMcpServer({ name: `portcullis-fixture-${state.tag}`, version: "1.0.0" });
      // Per-request instances: the table is read on every request, so no live registry is needed.
      state.register(server, "v2").release();
      options.extend?.(server);
      return server;
    },
    { legacy: "reject", ...(options.responseMode && { responseMode: options.responseMode }) },
  );
  let origin = "";
  const listening = await listenLocal(async (req, res) => {
    if (rejectWithoutBearer(req, res, options.requireBearer)) return;
    if (!req.url?.startsWith("/mcp")) return void res.writeHead(404).end();
    await sendWebResponse(res, await handler.fetch(toWebRequest(req, res, origin)));
  });
  origin = listening.origin;
  return handle(state, `${listening.origin}/mcp`, async () => {
    await handler.close();
    await listening.close();
  });
}

/** A 2025-era server over the deprecated HTTP+SSE transport (v1 SDK): GET /sse, POST /messages. */
export async function startSseServer(options: LegacyHttpServerOptions = {}): Promise<FixtureServer> {
  const state = new FixtureState("sse", options);
  const sessions = new Map<string, SSEServerTransport>();

  const listening = await listenLocal(async (req, res) => {
    if (rejectWithoutBearer(req, res, options.requireBearer)) return;
    const path = new URL(req.url ?? "/", "http://fixture").pathname;
    if (req.method === "GET" && path === "/sse") {
      const server = new LegacyMcpServer({ name: `portcullis-fixture-${state.tag}`, version: "1.0.0" });
      const registration = state.register(server, "v1");
      options.extend?.(server);
      const transport = new SSEServerTransport("/messages", res);
      sessions.set(transport.sessionId, transport);
      state.sessionsOpened++;
      transport.onclose = () => {
        sessions.delete(transport.sessionId);
        registration.release();
      };
      await server.connect(transport);
      return;
    }
    if (req.method === "POST" && path === "/messages") {
      const id = new URL(req.url ?? "/", "http://fixture").searchParams.get("sessionId") ?? "";
      const transport = sessions.get(id);
      if (!transport) return void res.writeHead(404).end("Session not found");
      return transport.handlePostMessage(req, res);
    }
    res.writeHead(404).end();
  });

  const dropSessions = async () => {
    const open = [...sessions.values()];
    sessions.clear();
    await Promise.all(open.map((t) => t.close().catch(() => {})));
  };
  return handle(
    state,
    `${listening.origin}/sse`,
    async () => {
      await dropSessions();
      await listening.close();
    },
    dropSessions,
  );
}
