import { Pool } from "undici";

/**
 * An MCP client that costs next to nothing: raw JSON-RPC POSTs of revision 2025-11-25
 * (stateless, no handshake needed) over a keep-alive pool. The bench measures servers, so
 * its client must not be the bottleneck on a 2-core machine.
 */
export class LeanMcpClient {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly headers: Record<string, string>;
  private nextId = 1;

  constructor(url: string, key?: string) {
    const u = new URL(url);
    this.pool = new Pool(u.origin, { connections: 64, pipelining: 1 });
    this.path = u.pathname;
    this.headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    };
  }

  /** Sends one request; resolves with the parsed JSON-RPC response (an SSE body is read to its message). */
  async request(method: string, params: unknown): Promise<{ result?: unknown; error?: unknown }> {
    const body = JSON.stringify({ jsonrpc: "2.0", id: this.nextId++, method, params });
    const res = await this.pool.request({ path: this.path, method: "POST", headers: this.headers, body });
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
