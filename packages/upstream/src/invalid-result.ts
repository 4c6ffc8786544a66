/**
 * Says what an upstream got wrong in a result, from the SDK's "Invalid result for <method>:
 * <zod issues as JSON>" message: one `path: problem` per issue, and for a union (content
 * blocks) only the branch the value meant to be (the one whose `type` matched), so the
 * message reads "content.0.text: expected string, received undefined", not every variant.
 */
export function describeInvalidResult(message: string): string {
  const match = /^Invalid result for ([\w/]+): ([\s\S]*)$/.exec(message);
  if (!match) return message;
  const [, method, rest] = match;
  let issues: Issue[];
  try {
    issues = JSON.parse(rest!) as Issue[];
  } catch {
    return message;
  }
  if (!Array.isArray(issues)) return message;
  const lines = issues.flatMap((issue) => flatten(issue, []));
  return `invalid ${method} result: ${lines.slice(0, 5).join("; ")}${lines.length > 5 ? "; …" : ""}`;
}

interface Issue {
  code?: string;
  path?: Array<string | number>;
  message?: string;
  errors?: Issue[][];
}

function flatten(issue: Issue, prefix: Array<string | number>): string[] {
  const path = [...prefix, ...(issue.path ?? [])];
  if (issue.code === "invalid_union" && Array.isArray(issue.errors) && issue.errors.length > 0) {
    // The branch that did not reject the discriminator is the one the value meant to be.
    const meant = issue.errors.find((branch) => !branch.some(isDiscriminatorMiss)) ?? issue.errors[0]!;
    return meant.flatMap((inner) => flatten(inner, path));
  }
  const where = path.length > 0 ? path.join(".") : "(result)";
  return [`${where}: ${(issue.message ?? "invalid").replace(/^Invalid input: /, "")}`];
}

function isDiscriminatorMiss(issue: Issue): boolean {
  const last = issue.path?.[issue.path.length - 1];
  return issue.code === "invalid_value" && (last === "type" || last === "resultType");
}
