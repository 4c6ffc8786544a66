import { AppError } from "@portcullis/contracts/errors";
import { itemGrantsFor } from "@portcullis/policy/resource-grants";
import type { Tx } from "../db";
import { previewView } from "../grants/preview-view";

export interface PreviewedItemRule {
  serverName: string;
  kind: "resource" | "prompt";
  pattern: string;
  effect: "allow" | "deny";
  /** Whose grant it is: the agent's own or its team's. */
  via: "agent" | "team";
  reason: string | null;
}

/**
 * "What can this agent see?" for resources and prompts: the rules the gateway applies to
 * the agent, from the organization compiled exactly as a snapshot is and the gateway's own
 * `itemGrantsFor`. Servers without an allow rule serve the agent nothing (default deny), so
 * they are left out; a deny rule on a listed server hides what it matches.
 */
export async function previewAgentItems(
  db: Tx,
  input: { orgId: string; agentId: string },
): Promise<PreviewedItemRule[]> {
  const { doc, serversById } = await previewView(db, input.orgId);
  const agent = doc.agents.find((a) => a.id === input.agentId);
  if (!agent) throw new AppError("NOT_FOUND", `agent ${input.agentId} does not exist`);
  const out: PreviewedItemRule[] = [];
  for (const [kind, grants] of [
    ["resource", doc.resourceGrants],
    ["prompt", doc.promptGrants],
  ] as const) {
    const view = itemGrantsFor(kind, agent, grants, serversById);
    for (const server of view.servers) {
      for (const g of view.byServer.get(server.id) ?? []) {
        out.push({
          serverName: server.name,
          kind,
          pattern: g.pattern,
          effect: g.effect,
          via: g.agentId !== null ? "agent" : "team",
          reason: g.reason,
        });
      }
    }
  }
  return out;
}
