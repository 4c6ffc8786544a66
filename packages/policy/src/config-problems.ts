/** The part of a zod error the formatter reads (kept structural: policy does not depend on zod). */
export interface ConfigIssues {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}

/**
 * Why a policy's config was refused, one `path: message` per issue (`config` for the root),
 * joined by `; `: the `problem` of every skipped DLP, rate-limit and approval policy.
 */
export function describeConfigProblems(error: ConfigIssues): string {
  if (error.issues.length === 0) return "config: invalid";
  return error.issues.map((i) => `${i.path.map(String).join(".") || "config"}: ${i.message}`).join("; ");
}
