import type {
  SnapshotAgent,
  SnapshotGrant,
  SnapshotPolicy,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";

/**
 * Snapshot entries for policy unit tests: one organization, one agent in team `team_a`
 * ("platform"), one server `srv_1`. Each builder takes overrides for what a test is about.
 */
export const fixtureAgent: SnapshotAgent = {
  id: "agt_1",
  orgId: "org_1",
  name: "ci-bot",
  teamId: "team_a",
  teamName: "platform",
  status: "active",
};

export function fixtureServer(name: string): SnapshotServer {
  return {
    id: "srv_1",
    orgId: "org_1",
    name,
    transport: "streamable-http",
    url: "http://x",
    command: null,
    args: [],
    env: null,
    network: true,
    secrets: null,
    timeoutMs: 1000,
    status: "active",
  };
}

export function fixtureTool(
  server: SnapshotServer,
  name: string,
  over: Partial<SnapshotTool> = {},
): SnapshotTool {
  return {
    id: `tool_${name}`,
    serverId: server.id,
    upstreamName: name,
    exposedName: `${server.name}__${name}`,
    title: null,
    description: null,
    inputSchema: { type: "object" },
    outputSchema: null,
    annotations: null,
    riskClass: "read",
    status: "active",
    definitionHash: "h",
    ...over,
  };
}

let sequence = 0;

/** An allow-everything grant on `srv_1` for nobody yet: set `teamId` or `agentId`. */
export function fixtureGrant(over: Partial<SnapshotGrant>): SnapshotGrant {
  sequence += 1;
  return {
    id: `grt_${sequence}`,
    orgId: "org_1",
    teamId: null,
    agentId: null,
    userId: null,
    serverId: "srv_1",
    toolPattern: "*",
    effect: "allow",
    approvalTimeoutSec: null,
    reason: null,
    ...over,
  };
}

/** An unscoped policy of `kind` (default `approval`) with this config. */
export function fixturePolicy(
  config: Record<string, unknown>,
  over: Partial<SnapshotPolicy> = {},
): SnapshotPolicy {
  sequence += 1;
  return {
    id: `pol_${sequence}`,
    orgId: "org_1",
    name: `${over.kind ?? "approval"}-${sequence}`,
    kind: "approval",
    priority: 100,
    scope: { teams: [], agents: [], servers: [], tools: [] },
    config,
    ...over,
  };
}
