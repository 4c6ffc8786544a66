import type { SnapshotAgent, SnapshotPerson } from "@portcullis/contracts/snapshot";
import type { AgentIdentity } from "./authenticate";

// One stand-in per person object: snapshot objects live as long as their version.
const standIns = new WeakMap<SnapshotPerson, SnapshotAgent>();

/**
 * The agent-shaped subject the governance stages key on (rate-limit counters, DLP and
 * approval-policy scopes, resource and prompt grants). An agent is itself. A person stands in
 * with their own id (so `per: agent` limits count per person) and their first team: policies
 * scoped to one of their other teams do not reach them yet — the person-aware scopes of
 * issue 11 point 4 replace this.
 */
export function policySubject(identity: AgentIdentity): SnapshotAgent {
  if (identity.kind === "agent") return identity.agent;
  const { person } = identity;
  let standIn = standIns.get(person);
  if (!standIn) {
    standIn = {
      id: person.id,
      orgId: person.orgId,
      name: person.email,
      teamId: person.teamIds[0] ?? "",
      teamName: "",
      status: person.status === "active" ? "active" : "disabled",
    };
    standIns.set(person, standIn);
  }
  return standIn;
}
