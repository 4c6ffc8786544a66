/**
 * Which argument values an approver's eye should land on: the paths the approval rule
 * matched on (sent by the gateway), plus values that look dangerous whatever the rule —
 * destructive verbs, production targets, wildcards and the filesystem root, and flags such
 * as `force: true`. A hint for reading, never a decision: the rules decide.
 */
const RISKY_TEXT =
  /\b(drop|delete|truncate|destroy|purge|wipe|shutdown|reboot|kill|sudo|chmod|chown|rm\s+-\w*[rf]|prod|production|--force)\b/i;
const RISKY_FLAG_KEYS =
  /^(force|confirm|recursive|cascade|overwrite|purge|delete|destroy|all|dangerously.*)$/i;

export function riskyPaths(args: unknown, highlights: readonly string[]): Set<string> {
  const out = new Set(highlights);
  const walk = (value: unknown, path: string[]) => {
    const key = path[path.length - 1] ?? "";
    if (typeof value === "string") {
      const trimmed = value.trim();
      if (RISKY_TEXT.test(value) || trimmed === "/" || trimmed === "*" || trimmed === "/*")
        out.add(path.join("."));
    } else if (value === true && RISKY_FLAG_KEYS.test(key)) {
      out.add(path.join("."));
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, [...path, String(i)]);
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(args, []);
  return out;
}
