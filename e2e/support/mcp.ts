import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { expect } from "@playwright/test";

/** An MCP client (the v2 SDK) connected to the gateway with an agent key. */
export async function connectAgent(gatewayMcpUrl: string, key: string): Promise<Client> {
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gatewayMcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

/**
 * The HTTP status the gateway answers a bare `tools/list` with this key: 200 while the
 * key is good, 401 once it is revoked. Raw fetch, so the status is what the wire says.
 */
export async function toolsListStatus(gatewayMcpUrl: string, key: string): Promise<number> {
  const res = await fetch(gatewayMcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
  });
  await res.body?.cancel();
  return res.status;
}

/**
 * An MCP client for `key` once the gateway lists `tool` to it: a new key or grant reaches
 * the gateways with the next snapshot (within a second), so connect and list until then.
 */
export async function connectWhenListed(gatewayMcpUrl: string, key: string, tool: string): Promise<Client> {
  let client: Client | null = null;
  await expect
    .poll(
      async () => {
        try {
          client ??= await connectAgent(gatewayMcpUrl, key);
          return (await client.listTools()).tools.map((t) => t.name);
        } catch {
          client = null;
          return [];
        }
      },
      { timeout: 10_000 },
    )
    .toContain(tool);
  return client as unknown as Client;
}
