import type { AuditDecision, DlpFinding } from "@portcullis/contracts/audit";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";
import type { AgentIdentity } from "./authenticate";

/**
 * Everything known about one MCP request as it moves through the pipeline. The HTTP layer
 * creates it; handlers fill in what they learn; exactly one audit event is built from it.
 */
export interface RequestContext {
  requestId: string;
  occurredAt: Date;
  startedAt: number;
  method: string;
  protocolVersion: string | null;
  identity: AgentIdentity | null;
  snapshot: CompiledSnapshot | null;
  /** Set by a handler that takes over auditing (it records when its work is really done). */
  handled: boolean;
  audit: {
    decision: AuditDecision;
    reason: string | null;
    errorCode: number | null;
    serverId: string | null;
    serverName: string | null;
    toolName: string | null;
    arguments: unknown;
    resultSummary: string | null;
    isError: boolean;
    upstreamLatencyMs: number | null;
    upstreamStatus: string | null;
    dlp: DlpFinding[] | null;
    approvalId: string | null;
  };
}

export function newAuditFields(): RequestContext["audit"] {
  return {
    decision: "allowed",
    reason: null,
    errorCode: null,
    serverId: null,
    serverName: null,
    toolName: null,
    arguments: null,
    resultSummary: null,
    isError: false,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    dlp: null,
    approvalId: null,
  };
}
