import type { ApprovalCondition, ConditionNormalization } from "@portcullis/contracts/approval-policy";
import { normalizationWords } from "./approval-condition";

/** One comparison in a condition and how its strings compare, for the console to show. */
export interface ConditionComparison {
  path: string;
  kind: "equals" | "in" | "matches";
  /** "exactly (case and surrounding spaces count)" or "ignoring case and surrounding spaces"… */
  how: string;
  normalize: ConditionNormalization[];
}

const EXACTLY = "exactly (case and surrounding spaces count)";

/** Every equals / in / matches of a condition, in order, with the comparison that applies. */
export function conditionComparisons(condition: ApprovalCondition): ConditionComparison[] {
  if ("all" in condition) return condition.all.flatMap(conditionComparisons);
  if ("any" in condition) return condition.any.flatMap(conditionComparisons);
  if ("not" in condition) return conditionComparisons(condition.not);
  if ("exists" in condition) return [];
  const kind = "equals" in condition ? "equals" : "in" in condition ? "in" : "matches";
  const normalize = condition.normalize ?? [];
  return [{ path: condition.path, kind, how: normalizationWords(normalize) ?? EXACTLY, normalize }];
}

/**
 * The condition with `normalize` set on every comparison (or removed from every one, for
 * undefined): what the console's "ignore case and surrounding spaces" switch writes.
 */
export function withNormalization(
  condition: ApprovalCondition,
  normalize: ConditionNormalization[] | undefined,
): ApprovalCondition {
  if ("all" in condition) return { all: condition.all.map((c) => withNormalization(c, normalize)) };
  if ("any" in condition) return { any: condition.any.map((c) => withNormalization(c, normalize)) };
  if ("not" in condition) return { not: withNormalization(condition.not, normalize) };
  if ("exists" in condition) return condition;
  const { normalize: _previous, ...rest } = condition;
  return (normalize?.length ? { ...rest, normalize: [...normalize] } : rest) as ApprovalCondition;
}
