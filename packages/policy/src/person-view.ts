import type {
  SnapshotGrant,
  SnapshotPerson,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import type { AgentView } from "./agent-view";
import { decidePersonToolCall } from "./decide";
import { grantAppliesToPerson } from "./grant-match";
import type { VisibleTool } from "./visible-tools";

/**
 * What one person (an OAuth caller) can see: the tools whose decision for them is not deny,
 * and the servers they hold a non-deny grant on — the same shape and rules as an agent's view,
 * with the person's subject rule (their own grants and their teams').
 */
export function personView(
  person: SnapshotPerson,
  toolsOfOrg: readonly SnapshotTool[],
  serversById: ReadonlyMap<string, SnapshotServer>,
  grantsByServer: ReadonlyMap<string, readonly SnapshotGrant[]>,
): AgentView {
  const tools: VisibleTool[] = [];
  for (const tool of toolsOfOrg) {
    const server = serversById.get(tool.serverId);
    const grants = grantsByServer.get(tool.serverId);
    if (!server || !grants || server.orgId !== person.orgId) continue;
    const decision = decidePersonToolCall({ person, server, tool, grants });
    if (decision.effect !== "deny") tools.push({ tool, server, decision });
  }
  const granted = new Set<string>();
  for (const grants of grantsByServer.values()) {
    for (const g of grants)
      if (g.effect !== "deny" && grantAppliesToPerson(g, person)) granted.add(g.serverId);
  }
  const grantedServers = [...granted]
    .map((id) => serversById.get(id))
    .filter((s): s is SnapshotServer => s !== undefined && s.status === "active")
    .sort((a, b) => a.name.localeCompare(b.name));
  return { tools, byExposedName: new Map(tools.map((v) => [v.tool.exposedName, v])), grantedServers };
}
