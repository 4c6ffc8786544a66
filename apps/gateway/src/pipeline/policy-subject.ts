import { type PolicySubject, personSubject } from "@portcullis/policy/policy-subject";
import type { AgentIdentity } from "./authenticate";

/**
 * The agent-shaped subject the governance stages key on (rate-limit counters, DLP and
 * approval-policy scopes, `approve` grants, resource and prompt grants). An agent is itself.
 * A person stands in with their own id (so `per: agent` limits count per person) and all
 * their teams: a policy scoped to any team of theirs binds them (@portcullis/policy/policy-subject).
 */
export function policySubject(identity: AgentIdentity): PolicySubject {
  return identity.kind === "agent" ? identity.agent : personSubject(identity.person);
}
