import type { SnapshotPortal } from "@portcullis/contracts/portal";
import type { AgentView } from "@portcullis/policy/agent-view";
import { fixedArgumentRefusal, type PortalTool, portalTools } from "@portcullis/policy/portal-tools";
import type { Tool } from "@portcullis/upstream/types";
import { wireExecution } from "../mcp/tool-execution";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";

/** What one agent sees through one portal: the portal's tools that its grants let it see. */
export interface PortalView {
  portal: SnapshotPortal;
  /** tools/list answer, sorted by name, built once. */
  wire: Tool[];
  /** The pinned ones of `wire`: listed beside the meta-tools in the search and code exposures. */
  pinned: Tool[];
  byName: Map<string, PortalTool>;
  /** Servers the portal selects: resources and prompts come from these only. */
  serverIds: ReadonlySet<string>;
}

interface CompiledPortal {
  portal: SnapshotPortal;
  /** Every tool the portal presents, before grants (a definition problem leaves a tool out). */
  tools: PortalTool[];
  serverIds: ReadonlySet<string>;
}

// Portals, like agent views, change only with the snapshot: compile them once per version.
const compiled = new WeakMap<CompiledSnapshot, Map<string, CompiledPortal>>();
const views = new WeakMap<AgentView, Map<string, PortalView>>();

/** The portal named `name` in an organization, compiled; undefined when there is none. */
export function portalOf(
  snapshot: CompiledSnapshot,
  orgId: string,
  name: string,
): CompiledPortal | undefined {
  let byKey = compiled.get(snapshot);
  if (!byKey) {
    byKey = new Map();
    for (const portal of snapshot.doc.portals) {
      // The console and apply refuse a portal with problems; a catalog sync can still add a
      // colliding tool later. portalTools then keeps the first and leaves the other out.
      const { tools } = portalTools(
        portal,
        snapshot.toolsByOrg.get(portal.orgId) ?? [],
        snapshot.serversById,
      );
      byKey.set(`${portal.orgId}/${portal.name}`, {
        portal,
        tools: tools.filter((t) => !refusedFixedArguments(t)),
        serverIds: new Set(portal.tools.map((t) => t.serverId)),
      });
    }
    compiled.set(snapshot, byKey);
  }
  return byKey.get(`${orgId}/${name}`);
}

/**
 * The agent's view narrowed by the portal: a tool is listed when the portal presents it and
 * the agent's own view holds it (grants decide; the portal never widens).
 */
export function portalViewFor(portal: CompiledPortal, agentView: AgentView): PortalView {
  let byPortal = views.get(agentView);
  if (!byPortal) {
    byPortal = new Map();
    views.set(agentView, byPortal);
  }
  let view = byPortal.get(portal.portal.id);
  if (view) return view;
  const visible = portal.tools.filter((t) => agentView.byExposedName.has(t.tool.exposedName));
  visible.sort((a, b) => a.name.localeCompare(b.name));
  const wire = visible.map(wireTool);
  view = {
    portal: portal.portal,
    wire,
    pinned: wire.filter((_, i) => visible[i]!.pinned),
    byName: new Map(visible.map((t) => [t.name, t])),
    serverIds: portal.serverIds,
  };
  byPortal.set(portal.portal.id, view);
  return view;
}

function wireTool(t: PortalTool): Tool {
  const out: Tool = {
    name: t.name,
    description: t.description ?? undefined,
    inputSchema: t.inputSchema as Tool["inputSchema"],
  };
  if (t.tool.title) out.title = t.tool.title;
  if (t.tool.outputSchema) out.outputSchema = t.tool.outputSchema as Tool["outputSchema"];
  if (t.tool.annotations) out.annotations = t.tool.annotations as Tool["annotations"];
  const execution = wireExecution(t.tool.execution);
  if (execution) out.execution = execution;
  return out;
}

/** A fixed argument the tool's schema no longer allows (its server changed the tool since it was checked). */
function refusedFixedArguments(t: PortalTool): boolean {
  if (!t.fixedArguments) return false;
  return Object.entries(t.fixedArguments).some(
    ([k, v]) => fixedArgumentRefusal(t.tool.inputSchema, k, v) !== null,
  );
}
