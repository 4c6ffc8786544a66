import { AppError } from "@portcullis/contracts/errors";
import { formatConfigPath } from "../change-plan/config-path";
import { unknownScopeUsers } from "../policies/policy-scope";
import type { DesiredState } from "./desired-state";
import type { Installation } from "./load-installation";

/**
 * The file names people by email (`user: alice@example.com`, a policy scope's `users:`) but never creates them: they
 * join by signing in or by invitation. Every person a grant names must be a member of the
 * target organization; all unknown ones are reported at once, each at its place in the file,
 * before anything is written.
 *
 * @throws AppError INVALID_INPUT naming each unknown email and where it is used.
 */
export function assertPeopleAreMembers(
  desired: DesiredState,
  installation: Installation,
  orgSlug: string,
): void {
  const members = new Set(installation.people.map((p) => p.email));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const g of [...desired.grants, ...desired.itemGrants]) {
    if (g.subject.kind !== "user" || members.has(g.subject.name)) continue;
    // A grants: entry expands to one desired grant per pattern: report the entry once.
    const entry = g.path.replace(/\.(tools|resources|prompts)\[\d+\]$/, "");
    if (seen.has(entry)) continue;
    seen.add(entry);
    problems.push(
      `${entry}.user: "${g.subject.name}" is not a member of organization "${orgSlug}" ` +
        "(people join by signing in or by invitation; check the email)",
    );
  }
  for (const policy of desired.policies) {
    for (const problem of unknownScopeUsers(policy.scope, members)) {
      problems.push(`${policy.path}.${formatConfigPath(problem.path)}: ${problem.message} "${orgSlug}"`);
    }
  }
  if (problems.length > 0) {
    throw new AppError("INVALID_INPUT", `invalid config file:\n  ${problems.join("\n  ")}`, {
      details: { problems },
    });
  }
}
