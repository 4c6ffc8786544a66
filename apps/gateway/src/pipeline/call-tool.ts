import { AppError } from "@portcullis/contracts/errors";
import { decideToolCall } from "@portcullis/policy/decide";
import { decidePersonToolCall } from "@portcullis/policy/person-view";
import type { VisibleTool } from "@portcullis/policy/visible-tools";
import type { CallChannel } from "@portcullis/upstream/call-channel";
import type { UpstreamPool } from "@portcullis/upstream/pool";
import type { CallToolResult } from "@portcullis/upstream/types";
import { type ApprovalStage, approvalRequirement } from "./approval-stage";
import type { DlpStage } from "./dlp-stage";
import type { RateLimitStage } from "./rate-limit-stage";
import type { CallContext } from "./request-context";
import type { StageInput } from "./stage-input";
import { summarizeResult } from "./summarize-result";
import { validateArguments } from "./validate-arguments";

export interface CallToolParams {
  name: string;
  arguments?: Record<string, unknown>;
}

/** The governance stages around the upstream call; each is a small module with its own tests. */
export interface CallToolStages {
  rateLimit: RateLimitStage;
  dlp: DlpStage;
  approval: ApprovalStage;
}

export interface CallToolOptions {
  signal?: AbortSignal;
  onProgress?: (p: { progress: number; total?: number; message?: string }) => void;
  /** The upstream's logs and requests to the client during the call (mcp/passthrough-channel.ts). */
  channelFor?: (stage: StageInput) => CallChannel;
  /** The lean path's upstream call: one pooled HTTP request where the upstream allows (pool.ts). */
  leanUpstream?: boolean;
}

/**
 * Resolves an exposed tool name for the agent. A name the agent may not use is told
 * apart from a name that does not exist, so the error says which it is; tools of other
 * organizations are indistinguishable from unknown ones.
 */
export function resolveTool(ctx: CallContext, name: string): VisibleTool {
  const { snapshot, audit, identity } = ctx;
  const orgId = identity.kind === "agent" ? identity.agent.orgId : identity.person.orgId;
  const visible = snapshot.viewOf(identity).byExposedName.get(name);
  const tool = visible?.tool ?? snapshot.toolsByOrgAndName.get(`${orgId}/${name}`);
  const server = visible?.server ?? (tool ? snapshot.serversById.get(tool.serverId) : undefined);
  if (!tool || !server) throw new AppError("NOT_FOUND", `unknown tool '${name}'`);
  audit.serverId = server.id;
  audit.serverName = server.name;
  audit.toolName = tool.upstreamName;
  if (visible) return visible;
  const grants = snapshot.grantsByServer.get(server.id) ?? [];
  const decision =
    identity.kind === "agent"
      ? decideToolCall({ agent: identity.agent, server, tool, grants })
      : decidePersonToolCall({ person: identity.person, server, tool, grants });
  const reason = decision.effect === "deny" ? decision.reason : `tool '${name}' is not available`;
  throw new AppError("FORBIDDEN", `call to '${name}' denied: ${reason}`);
}

/**
 * The tools/call pipeline: resolve → decide → rate limit → validate arguments → DLP on
 * arguments → approval (when the grant requires it) → call upstream → DLP on the result →
 * summarize.
 * Every stage records what it learns on the request context for the audit event.
 */
export async function callTool(
  pool: UpstreamPool,
  stages: CallToolStages,
  ctx: CallContext,
  params: CallToolParams,
  options: CallToolOptions = {},
): Promise<CallToolResult> {
  const audit = ctx.audit;
  audit.toolName = params.name;
  audit.arguments = params.arguments ?? null;

  let resolved: VisibleTool;
  try {
    resolved = resolveTool(ctx, params.name);
  } catch (err) {
    // No tool, no DLP scope to mask with: an unresolvable call keeps no arguments.
    audit.arguments = null;
    throw err;
  }
  const { tool, server, decision } = resolved;
  const stage: StageInput = { ctx, server, tool };
  let args: Record<string, unknown>;
  try {
    await stages.rateLimit.enforce(stage);
    const validated = validateArguments(tool, params.arguments);
    args = stages.dlp.scanArguments(stage, validated);
  } catch (err) {
    // Refused before (or by) DLP: the audit log must still never hold what a detector matches.
    const raw = params.arguments;
    audit.arguments =
      raw && typeof raw === "object" && !Array.isArray(raw) ? stages.dlp.maskForAudit(stage, raw) : null;
    throw err;
  }
  // Approval comes after validation and DLP: the approver sees exactly what would be sent.
  const approval = approvalRequirement(stage, decision, args);
  const approvalId = approval
    ? (await stages.approval.awaitDecision(stage, args, approval, options)).approvalId
    : null;
  if (approvalId) audit.approvalId = approvalId;
  const spec = ctx.snapshot.upstreamSpec(server);
  const started = performance.now();
  let failed = true;
  try {
    let result: CallToolResult;
    try {
      result = await pool.callTool(spec, tool.upstreamName, args, {
        signal: options.signal,
        timeoutMs: server.timeoutMs,
        onProgress: options.onProgress,
        ...(options.channelFor && { channel: options.channelFor(stage) }),
        ...(options.leanUpstream && { lean: true }),
      });
    } catch (err) {
      // An upstream error message reaches the agent too: DLP screens it like a result.
      throw stages.dlp.screenUpstreamError(stage, err);
    }
    audit.upstreamStatus = result.isError ? "tool_error" : "ok";
    const delivered = stages.dlp.scanResult(stage, result);
    audit.isError = delivered.isError === true;
    // The DLP stage sets a summary of a masked copy when a detector fired (log-only leaves
    // the delivered result unchanged, and the audit log must not keep what matched).
    audit.resultSummary ??= summarizeResult(delivered);
    failed = delivered.isError === true;
    return delivered;
  } finally {
    audit.upstreamLatencyMs = performance.now() - started;
    if (approvalId) await stages.approval.markExecuted(approvalId, { isError: failed });
  }
}
