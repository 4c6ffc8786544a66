import type {
  SnapshotAgent,
  SnapshotGrant,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { grantAppliesTo } from "./grant-match";
import { type VisibleTool, visibleTools } from "./visible-tools";

/** What one agent can see: the gateway computes it once per snapshot version and agent. */
export interface AgentView {
  tools: VisibleTool[];
  byExposedName: Map<string, VisibleTool>;
  /** Servers the agent holds any non-deny grant on: their resources and prompts are served. */
  grantedServers: SnapshotServer[];
}

/**
 * The servers whose resources and prompts an agent sees: active ones it holds a non-deny
 * grant on (any tool pattern), sorted by name. Grants name tools, not resources or prompts,
 * so any grant that lets the agent reach a server opens its catalog.
 */
export function visibleServers(
  agent: SnapshotAgent,
  serversById: ReadonlyMap<string, SnapshotServer>,
  grantsByServer: ReadonlyMap<string, readonly SnapshotGrant[]>,
): SnapshotServer[] {
  const granted = new Set<string>();
  for (const grants of grantsByServer.values()) {
    for (const g of grants) if (g.effect !== "deny" && grantAppliesTo(g, agent)) granted.add(g.serverId);
  }
  return [...granted]
    .map((id) => serversById.get(id))
    .filter((s): s is SnapshotServer => s !== undefined && s.status === "active")
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Tools (by decision) and servers (for resources and prompts) an agent sees. */
export function agentView(
  agent: SnapshotAgent,
  toolsOfOrg: readonly SnapshotTool[],
  serversById: ReadonlyMap<string, SnapshotServer>,
  grantsByServer: ReadonlyMap<string, readonly SnapshotGrant[]>,
): AgentView {
  const tools = visibleTools(agent, toolsOfOrg, serversById, grantsByServer);
  return {
    tools,
    byExposedName: new Map(tools.map((v) => [v.tool.exposedName, v])),
    grantedServers: visibleServers(agent, serversById, grantsByServer),
  };
}
