import { type AuditEvent, RESULT_SUMMARY_MAX } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import type { StdioLaunchEvent } from "@portcullis/upstream/types";
import type { RequestContext } from "../pipeline/request-context";

/** Where audit events go: the BullMQ-backed AuditSink in production and tests alike. */
export interface AuditRecorderSink {
  record(event: AuditEvent): void;
}

/** Builds the one audit event of a request from its context and hands it to the sink. */
export function recordAudit(sink: AuditRecorderSink, ctx: RequestContext): void {
  const a = ctx.audit;
  const identity = ctx.identity;
  sink.record({
    id: ctx.eventId ?? newId("auditEvent"),
    orgId: identity ? (identity.kind === "agent" ? identity.agent.orgId : identity.person.orgId) : null,
    occurredAt: ctx.occurredAt.toISOString(),
    requestId: ctx.requestId,
    method: ctx.method,
    agentId: identity?.kind === "agent" ? identity.agent.id : null,
    agentName: identity?.kind === "agent" ? identity.agent.name : null,
    teamId: identity?.kind === "agent" ? identity.agent.teamId : null,
    userId: identity?.kind === "person" ? identity.person.id : null,
    serverId: a.serverId,
    serverName: a.serverName,
    toolName: a.toolName,
    decision: a.decision,
    reason: a.reason,
    errorCode: a.errorCode,
    arguments: a.arguments ?? null,
    resultSummary: a.resultSummary === null ? null : a.resultSummary.slice(0, RESULT_SUMMARY_MAX),
    isError: a.isError,
    latencyMs: Math.round((performance.now() - ctx.startedAt) * 1000) / 1000,
    upstreamLatencyMs: a.upstreamLatencyMs === null ? null : Math.round(a.upstreamLatencyMs * 1000) / 1000,
    upstreamStatus: a.upstreamStatus,
    protocolVersion: ctx.protocolVersion,
    snapshotVersion: ctx.snapshot?.version ?? null,
    dlp: a.dlp,
    approvalId: a.approvalId,
    portal: ctx.portal,
    ...(ctx.parentEventId && { parentId: ctx.parentEventId }),
    keyId: identity?.kind === "agent" ? identity.key.id : null,
  });
}

/**
 * Audits one stdio server process started by the gateway: the command line exactly as run,
 * the sandbox and whether it has the network. Not a request of any agent, so no identity.
 */
export function recordStdioLaunch(
  sink: AuditRecorderSink,
  launch: StdioLaunchEvent,
  context: { orgId: string | null; snapshotVersion: number | null },
): void {
  sink.record({
    id: newId("auditEvent"),
    orgId: context.orgId,
    occurredAt: new Date().toISOString(),
    requestId: newId("auditEvent"),
    method: "stdio/launch",
    agentId: null,
    agentName: null,
    teamId: null,
    userId: null,
    serverId: launch.serverId,
    serverName: launch.serverName,
    toolName: null,
    decision: "allowed",
    reason: `sandbox ${launch.sandbox}, network ${launch.network ? "on" : "off"}`,
    errorCode: null,
    arguments: null,
    resultSummary: launch.commandLine.slice(0, RESULT_SUMMARY_MAX),
    isError: false,
    latencyMs: 0,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: context.snapshotVersion,
  });
}
