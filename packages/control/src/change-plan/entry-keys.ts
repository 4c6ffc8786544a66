/** How a grant is named in plans and messages: `team:platform/everything/echo`, `user:alice@example.com/…`. */
export function grantKey(
  subjectKind: "team" | "agent" | "user",
  subject: string,
  server: string,
  toolPattern: string,
): string {
  return `${subjectKind}:${subject}/${server}/${toolPattern}`;
}

/** How a tool is named in plans, messages and admin-audit rows: `everything/echo`. */
export function toolRiskKey(server: string, tool: string): string {
  return `${server}/${tool}`;
}

/** How a resource or prompt grant is named: `team:platform/docs/resource:docs://*`. */
export function itemGrantKey(
  subjectKind: "team" | "agent" | "user",
  subject: string,
  server: string,
  kind: "resource" | "prompt",
  pattern: string,
): string {
  return `${subjectKind}:${subject}/${server}/${kind}:${pattern}`;
}
