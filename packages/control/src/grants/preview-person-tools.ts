import { DEFAULT_APPROVAL_TIMEOUT_SEC } from "@portcullis/contracts/approval-policy";
import { AppError } from "@portcullis/contracts/errors";
import type { SnapshotGrant, SnapshotTool } from "@portcullis/contracts/snapshot";
import { summarizeCondition } from "@portcullis/policy/condition-summary";
import { personView } from "@portcullis/policy/person-view";
import type { Tx } from "../db";
import { compilePeople } from "../snapshots/compile-people";
import type { PreviewedApproval, PreviewedTool } from "./preview-agent-tools";
import { previewView } from "./preview-view";

export interface PersonToolPreview {
  person: {
    id: string;
    email: string;
    name: string | null;
    teamIds: string[];
    status: "active" | "suspended";
  };
  tools: PreviewedTool[];
}

/**
 * "What can this person see?": the tools a person's MCP client would list, from the
 * organization compiled exactly as a snapshot is and the policy package's `personView`
 * (their own grants and every team's, deny then approve then allow), so the preview cannot
 * drift from enforcement. Approval here comes from the deciding grant; approval policies
 * are scoped by team and agent and are shown by the agent preview. The compiled
 * organization is reused while its rows are unchanged (`previewView`); the person is read
 * fresh each time.
 *
 * @throws AppError NOT_FOUND when the user is not a member of the organization.
 */
export async function previewPersonTools(
  db: Tx,
  input: { orgId: string; userId: string },
): Promise<PersonToolPreview> {
  // Only this person is compiled: an organization may hold 10,000 people.
  const [{ serversById, grantsByServer, grantById, tools }, [person]] = await Promise.all([
    previewView(db, input.orgId),
    compilePeople(db, { orgId: input.orgId, userId: input.userId }),
  ]);
  if (!person) throw new AppError("NOT_FOUND", `user ${input.userId} is not a member of this organization`);
  const seen = personView(person, tools, serversById, grantsByServer);
  return {
    person,
    tools: seen.tools.map((v) => ({
      toolId: v.tool.id,
      exposedName: v.tool.exposedName,
      title: v.tool.title,
      serverName: v.server.name,
      effect: v.decision.effect,
      grantId: v.decision.grantId,
      riskClass: v.tool.riskClass,
      approval: approvalOf(v.tool, grantById.get(v.decision.grantId)),
    })),
  };
}

/** Whether the deciding grant holds calls: an `approve` grant does, always or when its condition matches. */
function approvalOf(tool: SnapshotTool, grant: SnapshotGrant | undefined): PreviewedApproval {
  if (grant?.effect !== "approve") return { mode: "never" };
  const condition = grant.condition;
  const when = condition === undefined || condition === null ? null : summarizeCondition(condition);
  return {
    mode: when === null ? "always" : "conditional",
    source: { type: "grant", id: grant.id, name: null },
    reason: grant.reason ?? `calls to '${tool.exposedName}' require approval`,
    timeoutSec: grant.approvalTimeoutSec ?? DEFAULT_APPROVAL_TIMEOUT_SEC,
    when,
  };
}
