import { AppError } from "@portcullis/contracts/errors";
import type { Decision } from "@portcullis/policy/decide";
import type { StageInput } from "./stage-input";

export type ApprovalDecision = Extract<Decision, { effect: "approve" }>;

export interface ApprovalWaitOptions {
  signal?: AbortSignal;
  /** Progress notifications to the client while it waits (only when it asked for them). */
  onProgress?: (p: { progress: number; total?: number; message?: string }) => void;
}

/**
 * Human approval (issue 4): holds a call whose grant requires approval until a person
 * decides. Resolves when the call may run with exactly these arguments; throws AppError
 * (FORBIDDEN with the approver's reason, or APPROVAL_REQUIRED when it expired) otherwise.
 * Returns the approval id, which the audit event links to.
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
