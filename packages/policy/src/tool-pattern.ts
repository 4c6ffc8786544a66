/**
 * Grant tool patterns: an exact upstream tool name, or a glob where `*` matches any run
 * of characters and `?` one character ("*", "get-*", "issues_?et"). Everything else is
 * literal, so a tool name containing regex metacharacters cannot widen a grant.
 */
const cache = new Map<string, RegExp | string>();

function compile(pattern: string): RegExp | string {
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern;
  const source = pattern
    .split("")
    .map((ch) => {
      if (ch === "*") return ".*";
      if (ch === "?") return ".";
      return ch.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`, "s");
}

export function matchesToolPattern(pattern: string, toolName: string): boolean {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = compile(pattern);
    // Patterns come from configuration, so the set is small; the cap guards against misuse.
    if (cache.size < 10_000) cache.set(pattern, compiled);
  }
  return typeof compiled === "string" ? compiled === toolName : compiled.test(toolName);
}
