/** The `mcp.json` entry a client (Claude Code, Cursor…) needs to reach the gateway with a key. */
export function mcpJsonSnippet(gatewayUrl: string, key: string): string {
  const config = {
    mcpServers: {
      portcullis: { type: "http", url: gatewayUrl, headers: { Authorization: `Bearer ${key}` } },
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
