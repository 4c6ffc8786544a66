import type { CallToolResult } from "@portcullis/upstream/types";
import type { StageInput } from "./stage-input";

/**
 * Data-loss prevention on tool traffic (issue 5). `scanArguments` runs before the upstream
 * is called (block: throw FORBIDDEN, nothing forwarded; redact: return redacted arguments);
 * `scanResult` runs before the agent sees the result. Findings go to ctx.audit.dlp and never
 * include the matched value.
 */
export interface DlpStage {
  scanArguments(input: StageInput, args: Record<string, unknown>): Record<string, unknown>;
  scanResult(input: StageInput, result: CallToolResult): CallToolResult;
}

/** No DLP policies: traffic passes unchanged. */
export const noDlp: DlpStage = {
  scanArguments: (_input, args) => args,
  scanResult: (_input, result) => result,
};
