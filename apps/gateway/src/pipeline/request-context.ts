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
  /** The portal the request came through (`/mcp/<portal>`); null: the default `/mcp`. */
  portal: string | null;
  identity: AgentIdentity | null;
  /** The 2025-era `Mcp-Session-Id` session the request names (sessions/), if any. */
  sessionId?: string | null;
  snapshot: CompiledSnapshot | null;
  /**
   * Set when an MCP handler runs, settled when its work is really done (after streams,
   * approvals and aborts): the endpoint records the request's audit event only then.
   */
  handlerDone: Promise<void> | null;
  /** The audit event's id when something must link to it before it is recorded (code mode). */
  eventId?: string;
  /** The event of the request this one ran inside (a tool call made by `execute`). */
  parentEventId?: string;
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

/**
 * A request after authentication: the one container the handlers and the call pipeline
 * get. Identity and snapshot are fixed for the request (the version it authenticated
 * against), so no stage takes them as separate arguments.
 */
export interface CallContext extends RequestContext {
  readonly identity: AgentIdentity;
  readonly snapshot: CompiledSnapshot;
}

/**
 * `handlerDone` of a handler that finished before its serving returned (the lean path):
 * already settled, so the endpoint need not wait a turn for it.
 */
export const HANDLER_DONE: Promise<void> = Promise.resolve();

/** The request as a CallContext, once authentication set its identity (null before). */
export function callContextOf(rc: RequestContext): CallContext | null {
  return rc.identity !== null && rc.snapshot !== null ? (rc as CallContext) : null;
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
