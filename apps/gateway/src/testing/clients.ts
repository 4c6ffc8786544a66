import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** The calls the gateway tests make, whichever SDK generation the client comes from. */
export interface TestClient {
  revision: "2025-11-25" | "2026-07-28";
  listTools(): Promise<{
    tools: Array<{ name: string; description?: string; inputSchema: unknown; annotations?: unknown }>;
  }>;
  callTool(name: string, args?: Record<string, unknown>): Promise<{ content?: unknown; isError?: boolean }>;
  listResources(): Promise<{ resources: Array<{ uri: string }> }>;
  readResource(uri: string): Promise<{ contents: Array<{ uri: string; text?: string }> }>;
  listPrompts(): Promise<{ prompts: Array<{ name: string }> }>;
  getPrompt(name: string, args?: Record<string, string>): Promise<{ messages: unknown[] }>;
  close(): Promise<void>;
}

function bearer(key: string | undefined): Record<string, string> {
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** A client of protocol revision 2025-11-25 (the v1 SDK): initialize handshake, no envelope. */
export async function connectLegacyClient(url: string, key?: string): Promise<TestClient> {
  const client = new LegacyClient({ name: "legacy-test-agent", version: "1.0.0" });
  await client.connect(new LegacyTransport(new URL(url), { requestInit: { headers: bearer(key) } }));
  return {
    revision: "2025-11-25",
    listTools: () => client.listTools() as ReturnType<TestClient["listTools"]>,
    callTool: (name, args) =>
      client.callTool({ name, arguments: args }) as ReturnType<TestClient["callTool"]>,
    listResources: () => client.listResources(),
    readResource: (uri) => client.readResource({ uri }) as ReturnType<TestClient["readResource"]>,
    listPrompts: () => client.listPrompts(),
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
    close: () => client.close(),
  };
}

/** A client pinned to protocol revision 2026-07-28 (the v2 SDK): server/discover, per-request envelope. */
export async function connectModernClient(url: string, key?: string): Promise<TestClient> {
  const client = new ModernClient(
    { name: "modern-test-agent", version: "2.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await client.connect(new ModernTransport(new URL(url), { requestInit: { headers: bearer(key) } }));
  return {
    revision: "2026-07-28",
    listTools: () => client.listTools() as ReturnType<TestClient["listTools"]>,
    callTool: (name, args) =>
      client.callTool({ name, arguments: args }) as ReturnType<TestClient["callTool"]>,
    listResources: () => client.listResources(),
    readResource: (uri) => client.readResource({ uri }) as ReturnType<TestClient["readResource"]>,
    listPrompts: () => client.listPrompts(),
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
    close: () => client.close(),
  };
}

export const CLIENTS = [
  { revision: "2025-11-25", connect: connectLegacyClient },
  { revision: "2026-07-28", connect: connectModernClient },
] as const;
