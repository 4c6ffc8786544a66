/** What the global setup started, handed to the test workers through their environment. */
export interface StackInfo {
  consoleUrl: string;
  /** The gateway's MCP endpoint (…/mcp). */
  gatewayMcpUrl: string;
  /** The fixture upstream MCP server's endpoint. */
  fixtureUrl: string;
  idpUrl: string;
  databaseUrl: string;
  redisPrefix: string;
  orgSlug: string;
}

const KEYS: Record<keyof StackInfo, string> = {
  consoleUrl: "E2E_CONSOLE_URL",
  gatewayMcpUrl: "E2E_GATEWAY_MCP_URL",
  fixtureUrl: "E2E_FIXTURE_URL",
  idpUrl: "E2E_IDP_URL",
  databaseUrl: "E2E_DATABASE_URL",
  redisPrefix: "E2E_REDIS_PREFIX",
  orgSlug: "E2E_ORG_SLUG",
};

export function exportStack(info: StackInfo): void {
  for (const [key, variable] of Object.entries(KEYS)) process.env[variable] = info[key as keyof StackInfo];
}

export function stack(): StackInfo {
  const out = {} as StackInfo;
  for (const [key, variable] of Object.entries(KEYS)) {
    const value = process.env[variable];
    if (!value) throw new Error(`${variable} is not set: run the browser tests through playwright.config.ts`);
    out[key as keyof StackInfo] = value;
  }
  return out;
}
