import type { SnapshotAgent, SnapshotPerson } from "@portcullis/contracts/snapshot";
import { type GrantPrincipal, type GrantSubjectFields, grantAppliesTo } from "./grant-precedence";

/**
 * Who a call is made by, as the governance rules see it (policy scopes, rate-limit
 * counters, `approve` grants, resource and prompt grants): an agent, or a person standing in
 * as one. A person carries `teamIds`, every team of theirs, so a policy scoped to any one
 * of them reaches them and their teams' grants are theirs; `teamId` is then only the first.
 */
export interface PolicySubject extends SnapshotAgent {
  /** A person's teams, all of them; absent for an agent, whose one team is `teamId`. */
  teamIds?: readonly string[];
}

/** The teams a subject belongs to: an agent's one team, or every team of a person. */
export function subjectTeamIds(subject: PolicySubject): readonly string[] {
  return subject.teamIds ?? (subject.teamId === "" ? [] : [subject.teamId]);
}

/** The subject as grant precedence knows principals: a person (`user`) or an agent. */
export function subjectPrincipal(subject: PolicySubject): GrantPrincipal {
  return subject.teamIds
    ? { type: "user", id: subject.id, teamIds: subject.teamIds }
    : { type: "agent", id: subject.id, teamId: subject.teamId };
}

/**
 * Whether a grant (tool, resource or prompt) is about this subject: same organization, and
 * it names the agent or its team, or the person or any of their teams.
 */
export function grantReachesSubject(
  grant: GrantSubjectFields & { orgId: string },
  subject: PolicySubject,
): boolean {
  return grant.orgId === subject.orgId && grantAppliesTo(grant, subjectPrincipal(subject));
}

// One stand-in per person object: snapshot objects live as long as their version.
const standIns = new WeakMap<SnapshotPerson, PolicySubject>();

/**
 * A person as a policy subject: their own id (so `per: agent` limits count per person), their
 * email as name, and all their teams.
 */
export function personSubject(person: SnapshotPerson): PolicySubject {
  let subject = standIns.get(person);
  if (!subject) {
    subject = {
      id: person.id,
      orgId: person.orgId,
      name: person.email,
      teamId: person.teamIds[0] ?? "",
      teamIds: person.teamIds,
      teamName: "",
      status: person.status === "active" ? "active" : "disabled",
    };
    standIns.set(person, subject);
  }
  return subject;
}
