import type { RiskClass } from "@portcullis/contracts/snapshot";

/** The MCP tool annotations that bear on risk (all are hints from the upstream). */
export interface ToolAnnotationHints {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/**
 * Risk class from MCP annotations, following the spec's defaults: a tool that does not
 * claim `readOnlyHint: true` may write, and a writing tool is assumed destructive unless
 * it says `destructiveHint: false`. Annotations are untrusted hints, so the derivation
 * errs towards the riskier class and an admin override always wins.
 */
export function riskFromAnnotations(annotations: ToolAnnotationHints | null | undefined): RiskClass {
  if (annotations?.readOnlyHint === true) return "read";
  if (annotations?.destructiveHint === false) return "write";
  return "destructive";
}

export function effectiveRisk(derived: RiskClass, override: RiskClass | null | undefined): RiskClass {
  return override ?? derived;
}
