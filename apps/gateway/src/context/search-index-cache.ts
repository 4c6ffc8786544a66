import type { AgentView } from "@portcullis/policy/agent-view";
import { ToolSearchIndex } from "@portcullis/policy/context/tool-index";
import type { VisibleTool } from "@portcullis/policy/visible-tools";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";

// Indexes live as long as their snapshot version (a new version builds new ones on first
// search) and are shared by every caller that sees the same tools: one index per grant set.
const bySnapshot = new WeakMap<CompiledSnapshot, Map<string, ToolSearchIndex<VisibleTool>>>();
const byView = new WeakMap<AgentView, ToolSearchIndex<VisibleTool>>();

/** The search index over exactly the tools this view may call. */
export function searchIndexFor(snapshot: CompiledSnapshot, view: AgentView): ToolSearchIndex<VisibleTool> {
  let index = byView.get(view);
  if (index) return index;
  let shared = bySnapshot.get(snapshot);
  if (!shared) {
    shared = new Map();
    bySnapshot.set(snapshot, shared);
  }
  const grantSet = view.tools
    .map((v) => v.tool.id)
    .sort()
    .join(",");
  index = shared.get(grantSet);
  if (!index) {
    index = new ToolSearchIndex(view.tools);
    shared.set(grantSet, index);
  }
  byView.set(view, index);
  return index;
}
