import { approvalPolicyConfig } from "@portcullis/contracts/approval-policy";
import { AppError } from "@portcullis/contracts/errors";
import type { ApprovalSource } from "@portcullis/contracts/jobs";
import type { GrantEffect, RiskClass } from "@portcullis/contracts/snapshot";
import { type ApprovalPreview, approvalPreview } from "@portcullis/policy/approval-rules";
import { summarizeCondition } from "@portcullis/policy/condition-summary";
import { visibleTools } from "@portcullis/policy/visible-tools";
import type { Tx } from "../db";
import { previewThroughPortal } from "./preview-through-portal";
import { type PreviewView, previewView } from "./preview-view";

export interface PreviewedTool {
  toolId: string;
  exposedName: string;
  title: string | null;
  serverName: string;
  effect: Exclude<GrantEffect, "deny">;
  grantId: string;
  riskClass: RiskClass;
  /** Whether calls wait for a person: never, always, or only when the arguments match `when`. */
  approval: PreviewedApproval;
}

export type PreviewedApproval =
  | { mode: "never" }
  | {
      mode: "always" | "conditional";
      /** The grant or approval policy that asks (the first one, as the gateway finds it). */
      source: ApprovalSource;
      reason: string;
      timeoutSec: number;
      /** The rule's argument condition in words (`env is one of "prod"`); null: none. */
      when: string | null;
    };

export interface AgentToolPreview {
  agent: { id: string; name: string; teamName: string; status: "active" | "disabled" };
  tools: PreviewedTool[];
}

/**
 * "What can this agent see?": the tools the gateway would list for the agent, computed by
 * the gateway's own code path — the organization compiled exactly as a snapshot is, then
 * `visibleTools` from @portcullis/policy — so the preview cannot drift from enforcement.
 * The compiled organization is reused while its rows are unchanged (`previewView`).
 */
export async function previewAgentTools(
  db: Tx,
  input: { orgId: string; agentId: string; portalId?: string },
): Promise<AgentToolPreview> {
  const view = await previewView(db, input.orgId);
  const { doc, serversById, grantsByServer } = view;
  const agent = doc.agents.find((a) => a.id === input.agentId);
  if (!agent) throw new AppError("NOT_FOUND", `agent ${input.agentId} does not exist`);
  const all = visibleTools(agent, view.tools, serversById, grantsByServer);
  // Through a portal: only what it selects, under the names its clients see.
  const shown =
    input.portalId === undefined
      ? all.map((v) => ({ visible: v, name: v.tool.exposedName }))
      : previewThroughPortal(doc, input.portalId, all, serversById);
  const rules = view.approvalRules;
  return {
    agent: { id: agent.id, name: agent.name, teamName: agent.teamName, status: agent.status },
    tools: shown.map(({ visible: v, name }) => ({
      toolId: v.tool.id,
      exposedName: name,
      title: v.tool.title,
      serverName: v.server.name,
      effect: v.decision.effect,
      grantId: v.decision.grantId,
      riskClass: v.tool.riskClass,
      approval: withCondition(
        view,
        approvalPreview({
          agent,
          server: v.server,
          tool: v.tool,
          decision: v.decision,
          grants: grantsByServer.get(v.tool.serverId) ?? [],
          rules,
        }),
      ),
    })),
  };
}

/** Adds the asking rule's condition, in words, to what `approvalPreview` found. */
export function withCondition(view: PreviewView, preview: ApprovalPreview): PreviewedApproval {
  if (preview.mode === "never") return preview;
  let condition: unknown;
  if (preview.source.type === "grant") {
    condition = view.grantById.get(preview.source.id)?.condition;
  } else {
    const config = view.doc.policies.find((p) => p.id === preview.source.id)?.config;
    condition = approvalPolicyConfig.safeParse(config).data?.when;
  }
  return {
    ...preview,
    when: condition === undefined || condition === null ? null : summarizeCondition(condition),
  };
}
