import { type ApprovalCondition, approvalCondition } from "@portcullis/contracts/approval-policy";
import { normalizationWords } from "./approval-condition";

/** Longer summaries are cut: they label a preview row or a badge, the JSON is one click away. */
const MAX_SUMMARY = 240;

/**
 * An argument condition in one line of plain words, for the console's preview and grant
 * badges: `env is one of "prod", "production"`, `not (dry_run is true)`,
 * `path matches /^\/etc/i and force is present`. A condition the schema refuses reads as
 * such: the gateway then holds every call (fail closed), and the summary says so.
 */
export function summarizeCondition(raw: unknown): string {
  const parsed = approvalCondition.safeParse(raw);
  if (!parsed.success) return "an invalid condition (every call waits)";
  const text = summary(parsed.data, false);
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}

function summary(c: ApprovalCondition, nested: boolean): string {
  if ("all" in c || "any" in c) {
    const [parts, word] = "all" in c ? [c.all, " and "] : [c.any, " or "];
    if (parts.length === 1) return summary(parts[0]!, nested);
    const text = parts.map((p) => summary(p, true)).join(word);
    return nested ? `(${text})` : text;
  }
  if ("not" in c) return `not (${summary(c.not, false)})`;
  if ("exists" in c) return `${c.path} is ${c.exists ? "present" : "absent"}`;
  const how = normalizationWords(c.normalize);
  return how ? `${comparison(c)} (${how})` : comparison(c);
}

function comparison(
  c: Exclude<ApprovalCondition, { all: unknown } | { any: unknown } | { not: unknown } | { exists: boolean }>,
): string {
  if ("equals" in c) return `${c.path} is ${JSON.stringify(c.equals)}`;
  if ("in" in c) {
    const values = c.in.map((v) => JSON.stringify(v));
    return values.length === 1 ? `${c.path} is ${values[0]}` : `${c.path} is one of ${values.join(", ")}`;
  }
  return `${c.path} matches /${c.matches}/${c.flags ?? ""}`;
}
