import type { AuditDecision } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import type { AuditRecorderSink } from "./audit-recorder";

/**
 * Events the gateway records about itself rather than about one agent's request: a refused
 * snapshot or approval decision (Redis held something not signed with our key), a window's
 * summary of unauthenticated requests. `method` names the event (`gateway/…`).
 */
export interface GatewayEvent {
  method: string;
  decision: AuditDecision;
  reason: string;
  orgId?: string | null;
  agentId?: string | null;
  serverId?: string | null;
  toolName?: string | null;
  snapshotVersion?: number | null;
  summary?: string | null;
  approvalId?: string | null;
}

export function recordGatewayEvent(sink: AuditRecorderSink, event: GatewayEvent): void {
  const id = newId("auditEvent");
  sink.record({
    id,
    orgId: event.orgId ?? null,
    occurredAt: new Date().toISOString(),
    requestId: id,
    method: event.method,
    agentId: event.agentId ?? null,
    agentName: null,
    teamId: null,
    userId: null,
    serverId: event.serverId ?? null,
    serverName: null,
    toolName: event.toolName ?? null,
    decision: event.decision,
    reason: event.reason,
    errorCode: null,
    arguments: null,
    resultSummary: event.summary ?? null,
    isError: event.decision === "error",
    latencyMs: 0,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: event.snapshotVersion ?? null,
    ...(event.approvalId && { approvalId: event.approvalId }),
  });
}
