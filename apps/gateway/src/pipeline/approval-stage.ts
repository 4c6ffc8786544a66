import { AppError } from "@portcullis/contracts/errors";
import {
  type ApprovalRequirement,
  compileApprovalRules,
  mayRequireApproval,
  requiredApproval,
} from "@portcullis/policy/approval-rules";
import type { Decision } from "@portcullis/policy/decide";
import { personIdOf } from "./person-of";
import { policySubject } from "./policy-subject";
import type { StageInput } from "./stage-input";

/** Why a call must wait for a person, and for how long (see @portcullis/policy/approval-rules). */
export type ApprovalDecision = ApprovalRequirement;

export interface ApprovalWaitOptions {
  signal?: AbortSignal;
  /** Progress notifications to the client while it waits (only when it asked for them). */
  onProgress?: (p: { progress: number; total?: number; message?: string }) => void;
}

/**
 * Human approval (issue 4): holds a call that a grant or an approval policy marks as
 * needing a person until someone decides. Resolves when the call may run with exactly these
 * arguments; throws AppError (FORBIDDEN with the approver's reason, or APPROVAL_REQUIRED when
 * it expired) otherwise. Returns the approval id, which the audit event links to.
 */
export interface ApprovalStage {
  awaitDecision(
    input: StageInput,
    args: Record<string, unknown>,
    decision: ApprovalDecision,
    options: ApprovalWaitOptions,
  ): Promise<{ approvalId: string }>;
  /** Marks an approved call as executed (it cannot run twice on one approval). */
  markExecuted(approvalId: string, outcome: { isError: boolean }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Whether this call must wait for approval: the grant decision, then the approve grants'
 * conditions and the snapshot's `approval` policies, evaluated on the arguments that would
 * be sent. The policies are compiled once per snapshot version.
 */
export function approvalRequirement(
  input: StageInput,
  decision: Exclude<Decision, { effect: "deny" }>,
  args: Record<string, unknown>,
): ApprovalDecision | null {
  const { server, tool } = input;
  const { snapshot, identity } = input.ctx;
  const rules = snapshot.policiesCompiled("approval", compileApprovalRules);
  if (!mayRequireApproval(decision, rules)) return null;
  return requiredApproval(
    {
      agent: policySubject(identity),
      server,
      tool,
      decision,
      grants: snapshot.grantsByServer.get(server.id) ?? [],
      rules,
      personId: personIdOf(identity),
    },
    args,
  );
}

/** No approval workflow available: calls that need approval are refused. */
export const noApprovals: ApprovalStage = {
  async awaitDecision(input, _args, decision) {
    throw new AppError(
      "APPROVAL_REQUIRED",
      `call to '${input.tool.exposedName}' requires approval: ${decision.reason}`,
    );
  },
  async markExecuted() {},
  async close() {},
};
