import { Pool } from "undici";

/**
 * An MCP client that costs next to nothing: raw JSON-RPC POSTs of revision 2025-11-25
 * (stateless, no handshake needed) over a keep-alive pool. The bench measures servers, so
 * its client must not be the bottleneck on a 2-core machine. With `revision: "2026-07-28"` it
 * sends that revision's envelope and headers instead (a v2 SDK server refuses anything else).
 */
export class LeanMcpClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private nextId = 1;
  private readonly modern: boolean;

  constructor(url: string, key?: string, revision: "2025-11-25" | "2026-07-28" = "2025-11-25") {
    this.modern = revision === "2026-07-28";
    const u = new URL(url);
    this.pool = new Pool(u.origin, { connections: 64, pipelining: 1 });
    this.path = u.pathname;
    this.headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": revision,
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    };
  }

  /** Sends one request; resolves with the parsed JSON-RPC response (an SSE body is read to its message). */
  async request(method: string, params: unknown): Promise<{ result?: unknown; error?: unknown }> {
    const modern = this.modern ? modernRequest(method, params) : null;
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: this.nextId++,
      method,
      params: modern?.params ?? params,
    });
    const headers = modern ? { ...this.headers, ...modern.headers } : this.headers;
    const res = await this.pool.request({ path: this.path, method: "POST", headers, body });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    const type = String(res.headers["content-type"] ?? "");
    if (!type.includes("text/event-stream")) return JSON.parse(text);
    const data = text
      .split("\n")
      .filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).trim())
      .filter(Boolean)
      .pop();
    return JSON.parse(data ?? "{}");
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1.0.0" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

function modernRequest(method: string, params: unknown) {
  const p = (params ?? {}) as Record<string, unknown>;
  const headers: Record<string, string> = { "mcp-method": method };
  if (typeof p.name === "string") headers["mcp-name"] = p.name;
  return { params: { ...p, _meta: ENVELOPE }, headers };
}
