import type { DlpFinding } from "@portcullis/contracts/audit";
import { AppError } from "@portcullis/contracts/errors";
import type { SnapshotPolicy } from "@portcullis/contracts/snapshot";
import { type CompiledDlpPolicies, compileDlpPolicies } from "@portcullis/policy/dlp/compile-dlp-policies";
import {
  type DlpScanOutcome,
  scanArguments,
  scanJsonValue,
  scanToolResult,
} from "@portcullis/policy/dlp/scan-payload";
import { isUpstreamRpcError, UpstreamRpcError } from "@portcullis/upstream/errors";
import type { CallToolResult } from "@portcullis/upstream/types";
import type { Logger } from "pino";
import { personIdOf } from "./person-of";
import { policySubject } from "./policy-subject";
import type { StageInput } from "./stage-input";
import { summarizeResult } from "./summarize-result";

/**
 * Data-loss prevention on tool traffic (issue 5). `scanArguments` runs before the upstream
 * is called (block: throw FORBIDDEN, nothing forwarded; redact: return redacted arguments);
 * `scanResult` runs before the agent sees the result. Findings go to ctx.audit.dlp and never
 * include the matched value.
 */
export interface DlpStage {
  scanArguments(input: StageInput, args: Record<string, unknown>): Record<string, unknown>;
  scanResult(input: StageInput, result: CallToolResult): CallToolResult;
  /**
   * A copy of the arguments with every match masked, for the audit event of a call refused
   * before `scanArguments` ran (denied, rate limited, invalid): never blocks, never logs.
   */
  maskForAudit(input: StageInput, args: Record<string, unknown>): Record<string, unknown>;
  /**
   * DLP on what is not a tool call's arguments or result: a resource URI and its contents, a
   * prompt's arguments and messages. Every string is scanned except members named in
   * `skip` (binary payloads, protocol tags). Block throws FORBIDDEN naming `what`; redact
   * returns the redacted copy; on `arguments` the audit event keeps the masked copy.
   */
  scanValue<T>(
    input: StageInput,
    direction: DlpFinding["direction"],
    value: T,
    what: string,
    skip?: ReadonlySet<string>,
  ): T;
  /**
   * An upstream's JSON-RPC error message reaches the agent (and the audit log) too: it is
   * scanned like a result. Returns the error to throw: unchanged, redacted, or FORBIDDEN.
   */
  screenUpstreamError(input: StageInput, err: unknown): unknown;
}

/** No DLP policies: traffic passes unchanged. */
export const noDlp: DlpStage = {
  scanArguments: (_input, args) => args,
  scanResult: (_input, result) => result,
  maskForAudit: (_input, args) => args,
  scanValue: (_input, _direction, value) => value,
  screenUpstreamError: (_input, err) => err,
};

/**
 * An upstream error whose message a DLP detector matched: the agent gets `message` (what
 * the policies let through), the audit event `auditMessage` (every match masked).
 */
export class ScreenedUpstreamError extends UpstreamRpcError {
  constructor(
    original: UpstreamRpcError,
    message: string,
    readonly auditMessage: string,
  ) {
    super(original.serverName, original.code, message, original.data);
  }
}

/** `blocked by DLP policy 'no-secrets': aws-access-key in $.arguments.body` — the detector and where, never the value. */
function blockedBy(blocked: NonNullable<DlpScanOutcome<unknown>["blocked"]>): string {
  return `blocked by DLP policy '${blocked.policy.name}': ${blocked.finding.detector} in ${blocked.finding.path}`;
}

/**
 * The DLP stage: the snapshot's `dlp` policies, compiled once per snapshot version, decide
 * which detectors run on each direction of a call. A call no policy covers costs one map
 * lookup. Whatever the action, the audit event keeps only a masked copy of what matched:
 * the stage overwrites `ctx.audit.arguments` and sets `ctx.audit.resultSummary` from
 * masked copies whenever a detector fired.
 */
export function createDlpStage(options: { logger: Logger }): DlpStage {
  const { logger } = options;
  const compile = (policies: SnapshotPolicy[]): CompiledDlpPolicies => {
    const compiled = compileDlpPolicies(policies);
    for (const s of compiled.skipped)
      logger.error(
        { policyId: s.id, policy: s.name, problem: s.problem },
        "dlp policy skipped: invalid config",
      );
    return compiled;
  };
  const rulesFor = (input: StageInput) =>
    input.ctx.snapshot
      .policiesCompiled("dlp", compile)
      .forTool(policySubject(input.ctx.identity), input.server, input.tool, personIdOf(input.ctx.identity));
  const record = (input: StageInput, findings: DlpFinding[]) => {
    const audit = input.ctx.audit;
    audit.dlp = audit.dlp ? [...audit.dlp, ...findings] : findings;
    // Findings name detector and path only, so they are safe to log.
    logger.debug({ requestId: input.ctx.requestId, tool: input.tool.exposedName, findings }, "dlp findings");
  };

  return {
    scanArguments(input, args) {
      const rules = rulesFor(input).arguments;
      if (!rules) return args;
      const outcome = scanArguments(rules, args);
      if (outcome.findings.length === 0) return args;
      record(input, outcome.findings);
      input.ctx.audit.arguments = outcome.masked;
      if (outcome.blocked) {
        const { policy, finding } = outcome.blocked;
        throw new AppError("FORBIDDEN", `call to '${input.tool.exposedName}' ${blockedBy(outcome.blocked)}`, {
          details: { dlp: { policy: policy.name, detector: finding.detector, path: finding.path } },
        });
      }
      return outcome.output;
    },

    maskForAudit(input, args) {
      const rules = rulesFor(input).arguments;
      return rules ? (scanArguments(rules, args).masked as Record<string, unknown>) : args;
    },

    scanValue(input, direction, value, what, skip) {
      const rules = direction === "arguments" ? rulesFor(input).arguments : rulesFor(input).results;
      if (!rules) return value;
      const outcome = scanJsonValue(
        rules,
        direction,
        direction === "arguments" ? "$.arguments" : "$",
        value,
        skip,
      );
      if (outcome.findings.length === 0) return value;
      record(input, outcome.findings);
      if (direction === "arguments") input.ctx.audit.arguments = outcome.masked;
      if (outcome.blocked) {
        const { policy, finding } = outcome.blocked;
        throw new AppError("FORBIDDEN", `${what} ${blockedBy(outcome.blocked)}`, {
          details: { dlp: { policy: policy.name, detector: finding.detector, path: finding.path } },
        });
      }
      return outcome.output;
    },

    screenUpstreamError(input, err) {
      const rules = rulesFor(input).results;
      if (!rules || !isUpstreamRpcError(err)) return err;
      const outcome = scanJsonValue(rules, "result", "$.error", { message: err.message });
      if (outcome.findings.length === 0) return err;
      record(input, outcome.findings);
      if (outcome.blocked) {
        const { policy, finding } = outcome.blocked;
        return new AppError("FORBIDDEN", `error from '${err.serverName}' ${blockedBy(outcome.blocked)}`, {
          details: { dlp: { policy: policy.name, detector: finding.detector, path: finding.path } },
        });
      }
      return new ScreenedUpstreamError(err, outcome.output.message, outcome.masked.message);
    },

    scanResult(input, result) {
      const rules = rulesFor(input).results;
      if (!rules) return result;
      const outcome = scanToolResult(rules, result);
      if (outcome.findings.length === 0) return result;
      record(input, outcome.findings);
      const audit = input.ctx.audit;
      if (outcome.blocked) {
        // The upstream ran, but its result never reaches the agent.
        const message = `result of '${input.tool.exposedName}' ${blockedBy(outcome.blocked)}`;
        audit.decision = "denied";
        audit.reason = message;
        audit.resultSummary = message;
        return { content: [{ type: "text", text: message }], isError: true };
      }
      audit.resultSummary = summarizeResult(outcome.masked);
      return outcome.output;
    },
  };
}
