import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import { type ItemGrants, itemGrantsFor } from "@portcullis/policy/resource-grants";
import type { AgentIdentity } from "../pipeline/authenticate";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import type { StageInput } from "../pipeline/stage-input";
import { portalItemViews } from "../portals/portal-items";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";

export interface ItemViews {
  resources: ItemGrants;
  prompts: ItemGrants;
}

// Like an agent's tool view, its resource and prompt grants only change with the snapshot.
const views = new WeakMap<CompiledSnapshot, Map<string, ItemViews>>();

/**
 * An agent's resource and prompt grants in a snapshot, computed once per version and agent;
 * through a portal, narrowed to the portal's servers (portal-items.ts).
 */
export function itemViewsFor(
  snapshot: CompiledSnapshot,
  identity: AgentIdentity,
  portal: string | null = null,
): ItemViews {
  const all = agentItemViews(snapshot, identity);
  return portal === null ? all : portalItemViews(snapshot, policySubject(identity).orgId, portal, all);
}

function agentItemViews(snapshot: CompiledSnapshot, identity: AgentIdentity): ItemViews {
  let byAgent = views.get(snapshot);
  if (!byAgent) {
    byAgent = new Map();
    views.set(snapshot, byAgent);
  }
  const agent = policySubject(identity);
  let view = byAgent.get(agent.id);
  if (!view) {
    view = {
      resources: itemGrantsFor("resource", agent, snapshot.doc.resourceGrants, snapshot.serversById),
      prompts: itemGrantsFor("prompt", agent, snapshot.doc.promptGrants, snapshot.serversById),
    };
    byAgent.set(agent.id, view);
  }
  return view;
}

/**
 * The governance stages (rate limits, DLP) take a tool. A server's resource reads and its
 * prompt gets each stand in as one read-only pseudo-tool of that server, so policies scoped
 * to the server, team or agent (and not to named tools) cover them, and a `per: tool` limit
 * counts all reads of one server's resources together. The id and name cannot collide with
 * a real tool: `/` never appears in tool ids or exposed names.
 */
export function itemStageInput(
  ctx: CallContext,
  server: SnapshotServer,
  kind: "resource" | "prompt",
  name: string,
): StageInput {
  const method = kind === "resource" ? "resources/read" : "prompts/get";
  const tool: SnapshotTool = {
    id: `${server.id}/${method}`,
    serverId: server.id,
    upstreamName: name,
    exposedName: `${server.name}/${method}`,
    title: null,
    description: null,
    inputSchema: {},
    outputSchema: null,
    annotations: null,
    riskClass: "read",
    status: "active",
    definitionHash: method,
  };
  return { ctx, server, tool };
}

/** Binary payloads and protocol tags of resource contents and prompt messages are not scanned. */
export const ITEM_SCAN_SKIP: ReadonlySet<string> = new Set(["blob", "data", "mimeType", "type", "role"]);
