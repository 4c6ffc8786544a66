import { AppError } from "@portcullis/contracts/errors";
import type { SnapshotGrant, SnapshotServer } from "@portcullis/contracts/snapshot";
import { approvalPreview, compileApprovalRules } from "@portcullis/policy/approval-rules";
import { personView } from "@portcullis/policy/person-view";
import { personSubject } from "@portcullis/policy/policy-subject";
import type { Tx } from "../db";
import { compilePeople } from "../snapshots/compile-people";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import { type PreviewedTool, withCondition } from "./preview-agent-tools";

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
 * policies whose scope names them or any team of theirs.
 *
 * @throws AppError NOT_FOUND when the user is not a member of the organization.
 */
export async function previewPersonTools(
  db: Tx,
  input: { orgId: string; userId: string },
): Promise<PersonToolPreview> {
  // Only this person is compiled: an organization may hold 10,000 people.
  const [doc, [person]] = await Promise.all([
    compileSnapshot(db, 0, { orgId: input.orgId, preview: true }),
    compilePeople(db, { orgId: input.orgId, userId: input.userId }),
  ]);
  if (!person) throw new AppError("NOT_FOUND", `user ${input.userId} is not a member of this organization`);
  const serversById = new Map<string, SnapshotServer>(doc.servers.map((s) => [s.id, s]));
  const grantsByServer = new Map<string, SnapshotGrant[]>();
  for (const g of doc.grants) grantsByServer.set(g.serverId, [...(grantsByServer.get(g.serverId) ?? []), g]);
  const tools = doc.tools.filter((t) => serversById.has(t.serverId));
  const view = personView(person, tools, serversById, grantsByServer);
  const rules = compileApprovalRules(doc.policies);
  const subject = personSubject(person);
  return {
    person,
    tools: view.tools.map((v) => ({
      toolId: v.tool.id,
      exposedName: v.tool.exposedName,
      title: v.tool.title,
      serverName: v.server.name,
      effect: v.decision.effect,
      grantId: v.decision.grantId,
      riskClass: v.tool.riskClass,
      approval: withCondition(
        doc,
        approvalPreview({
          agent: subject,
          server: v.server,
          tool: v.tool,
          decision: v.decision,
          grants: grantsByServer.get(v.tool.serverId) ?? [],
          rules,
          personId: person.id,
        }),
      ),
    })),
  };
}
