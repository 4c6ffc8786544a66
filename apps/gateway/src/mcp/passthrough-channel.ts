import type { Transport } from "@modelcontextprotocol/server";
import { newId } from "@portcullis/contracts/ids";
import {
  type ClientRequestKind,
  type ClientRequestRules,
  decideClientRequest,
} from "@portcullis/policy/client-requests";
import { type CallChannel, ChannelRefusal, REFUSED } from "@portcullis/upstream/call-channel";
import type { Logger } from "pino";
import { type AuditRecorderSink, recordAudit } from "../audit/audit-recorder";
import type { DlpStage } from "../pipeline/dlp-stage";
import { policySubject } from "../pipeline/policy-subject";
import { type CallContext, newAuditFields, type RequestContext } from "../pipeline/request-context";
import type { StageInput } from "../pipeline/stage-input";
import type { ClientRequestRelay } from "./passthrough-client-requests";
import type { InputConversation } from "./passthrough-input-rounds";

/** RFC 5424 severities in MCP's order (logging/setLevel: this level and above are sent). */
const LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export type LogLevel = (typeof LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

export interface PassthroughDeps {
  relay: ClientRequestRelay;
  audit: AuditRecorderSink;
  dlp: DlpStage;
  logger: Logger;
  rules: ClientRequestRules;
}

/** How to reach the client of the request being served, by the revision it speaks. */
export type ClientSide =
  | {
      era: "legacy";
      /** The per-request transport: requests go out on the call's response stream. */
      transport: Transport | undefined;
      relatedRequestId: string | number;
      signal: AbortSignal;
      notify(notification: { method: string; params: Record<string, unknown> }): Promise<void>;
      logLevel: LogLevel | undefined;
    }
  | {
      era: "modern";
      conversation: InputConversation<unknown>;
      notify(notification: { method: string; params: Record<string, unknown> }): Promise<void>;
      logLevel: LogLevel | undefined;
      /** From the request's envelope: what the client said it can do. */
      capabilities: Record<string, unknown> | undefined;
    };

const CAPABILITY: Record<ClientRequestKind, string> = {
  "elicitation/create": "elicitation",
  "sampling/createMessage": "sampling",
  "roots/list": "roots",
};

/**
 * The channel of one tools/call: what the upstream sends its client while the call runs,
 * relayed to the agent's client under policy.
 * - `notifications/message`: at or above the client's log level, DLP-screened as a result.
 * - elicitation, sampling, roots: decided by the server's settings (policy/client-requests),
 *   screened by DLP both ways, relayed by era (a request on the call's stream for 2025
 *   clients, an `input_required` round for 2026-07-28 ones), and audited, each one.
 */
export function callChannelFor(deps: PassthroughDeps, call: CallContext, client: ClientSide) {
  return (stage: StageInput): CallChannel => ({
    onLog(params) {
      const level = params.level;
      if (client.logLevel && isLogLevel(level) && LEVELS.indexOf(level) < LEVELS.indexOf(client.logLevel))
        return;
      let screened: Record<string, unknown>;
      try {
        screened = deps.dlp.scanValue(stage, "result", params, "a log message");
      } catch {
        return; // a blocked log message is simply not delivered
      }
      void client.notify({ method: "notifications/message", params: screened }).catch(() => undefined);
    },
    async onRequest(method, params) {
      const audit = auditOf(call, stage, method, params);
      try {
        const decision = decideClientRequest(stage.server, method, params, deps.rules);
        if (decision.effect === "deny") throw refuse(audit, decision.reason);
        if (client.era === "modern" && client.capabilities && !(CAPABILITY[method] in client.capabilities))
          throw refuse(audit, `the client does not support ${CAPABILITY[method]}`);
        const asked = deps.dlp.scanValue(stage, "result", params, `the ${method} request`);
        const answer =
          client.era === "legacy"
            ? await deps.relay.request(
                client.transport,
                client.relatedRequestId,
                policySubject(call.identity).id,
                method,
                asked,
                client.signal,
              )
            : await client.conversation.ask(method, asked);
        const sent = deps.dlp.scanValue(stage, "arguments", answer, `the client's ${method} answer`);
        audit.audit.resultSummary = summarize(method, sent);
        return sent;
      } catch (error) {
        if (audit.audit.decision === "allowed") {
          audit.audit.decision = error instanceof ChannelRefusal ? "allowed" : "denied";
          audit.audit.isError = true;
          audit.audit.reason ??= error instanceof Error ? error.message : String(error);
        }
        if (error instanceof ChannelRefusal) throw error;
        throw new ChannelRefusal(REFUSED, error instanceof Error ? error.message : "refused");
      } finally {
        recordAudit(deps.audit, audit);
      }
    },
  });
}

function refuse(audit: RequestContext, reason: string): ChannelRefusal {
  audit.audit.decision = "denied";
  audit.audit.reason = reason;
  audit.audit.isError = true;
  audit.audit.errorCode = REFUSED;
  return new ChannelRefusal(REFUSED, `Portcullis refused ${audit.method}: ${reason}`);
}

/** Each request an upstream sends the client is an audit event of its own, tied to the call's tool. */
function auditOf(
  call: CallContext,
  stage: StageInput,
  method: string,
  params: Record<string, unknown>,
): RequestContext {
  const audit = newAuditFields();
  audit.serverId = stage.server.id;
  audit.serverName = stage.server.name;
  audit.toolName = stage.tool.upstreamName;
  // What was asked, not what was answered: the mode (form/url) or the sampling budget.
  audit.arguments =
    method === "elicitation/create"
      ? { mode: params.mode ?? "form", ...(params.mode === "url" && { url: params.url }) }
      : method === "sampling/createMessage"
        ? { maxTokens: params.maxTokens ?? null }
        : null;
  return {
    requestId: newId("request"),
    occurredAt: new Date(),
    startedAt: performance.now(),
    method,
    protocolVersion: call.protocolVersion,
    portal: call.portal,
    identity: call.identity,
    snapshot: call.snapshot,
    handlerDone: null,
    audit,
  };
}

function summarize(method: string, answer: Record<string, unknown>): string {
  if (method === "elicitation/create") return `action: ${String(answer.action)}`;
  if (method === "sampling/createMessage") return `sampled by ${String(answer.model ?? "the client")}`;
  return `${Array.isArray(answer.roots) ? answer.roots.length : 0} roots`;
}
