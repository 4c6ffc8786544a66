import type { SnapshotTool } from "@portcullis/contracts/snapshot";

/**
 * Flag of a tool first listed after its server's first catalog sync, held for review
 * because the server does not trust new tools (issue 10 point 12).
 */
export const NEW_TOOL_FLAG = "new_tool";

/**
 * Why a tool that is not active cannot be called, as the agent and the console's preview
 * read it. A quarantined tool names the review it waits for, so whoever runs the agent
 * knows the call will work once an administrator approves it, not that it is broken.
 */
export function unavailableToolReason(
  tool: Pick<SnapshotTool, "exposedName" | "status" | "newTool">,
): string {
  const name = `tool '${tool.exposedName}'`;
  if (tool.status !== "quarantined") return `${name} is ${tool.status}`;
  return tool.newTool
    ? `${name} is quarantined: its server added it after the first sync, and it waits for an administrator to approve it (console: Review)`
    : `${name} is quarantined until an administrator reviews its definition (console: Review)`;
}
