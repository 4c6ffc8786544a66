import type { AgentView } from "@portcullis/policy/agent-view";
import type { Tool } from "@portcullis/upstream/types";
import { wireExecution } from "./tool-execution";

// The tools/list answer depends only on the agent's view, which lives as long as its
// snapshot version: build the wire objects once per view.
const cache = new WeakMap<AgentView, Tool[]>();

export function listToolsFor(view: AgentView): Tool[] {
  let tools = cache.get(view);
  if (tools) return tools;
  const sorted = [...view.tools].sort((a, b) => a.tool.exposedName.localeCompare(b.tool.exposedName));
  tools = sorted.map(({ tool }) => {
    const out: Tool = {
      name: tool.exposedName,
      description: tool.description ?? undefined,
      inputSchema: tool.inputSchema as Tool["inputSchema"],
    };
    if (tool.title) out.title = tool.title;
    if (tool.outputSchema) out.outputSchema = tool.outputSchema as Tool["outputSchema"];
    if (tool.annotations) out.annotations = tool.annotations as Tool["annotations"];
    // Kept here for every client; toolsForRevision drops it for revisions without tasks.
    const execution = wireExecution(tool.execution);
    if (execution) out.execution = execution;
    // MCP Apps: the client learns the tool's interface resource (readable under the tool grant).
    if (tool.uiResourceUri) out._meta = { ui: { resourceUri: tool.uiResourceUri } };
    return out;
  });
  cache.set(view, tools);
  return tools;
}
