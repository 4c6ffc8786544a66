import { AppError } from "@portcullis/contracts/errors";
import { approvalPreview } from "@portcullis/policy/approval-rules";
import { personView } from "@portcullis/policy/person-view";
import { personSubject } from "@portcullis/policy/policy-subject";
import type { Tx } from "../db";
import { compilePeople } from "../snapshots/compile-people";
import { type PreviewedTool, withCondition } from "./preview-agent-tools";
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
 * drift from enforcement. Whether calls wait for a person comes from the same rules the
 * gateway applies to them: their and their teams' `approve` grants, then the approval
 * policies whose scope names them or any team of theirs. The compiled organization is
 * reused while its rows are unchanged (`previewView`); the person is read fresh each time.
 *
 * @throws AppError NOT_FOUND when the user is not a member of the organization.
 */
export async function previewPersonTools(
  db: Tx,
  input: { orgId: string; userId: string },
): Promise<PersonToolPreview> {
  // Only this person is compiled: an organization may hold 10,000 people.
  const [view, [person]] = await Promise.all([
    previewView(db, input.orgId),
    compilePeople(db, { orgId: input.orgId, userId: input.userId }),
  ]);
  if (!person) throw new AppError("NOT_FOUND", `user ${input.userId} is not a member of this organization`);
  const { serversById, grantsByServer, tools } = view;
  const seen = personView(person, tools, serversById, grantsByServer);
  const subject = personSubject(person);
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
      approval: withCondition(
        view,
        approvalPreview({
          agent: subject,
          server: v.server,
          tool: v.tool,
          decision: v.decision,
          grants: grantsByServer.get(v.tool.serverId) ?? [],
          rules: view.approvalRules,
          personId: person.id,
        }),
      ),
    })),
  };
}
