import type { AppRouter } from "@portcullis/api/root";
import { summarizeCondition } from "@portcullis/policy/condition-summary";
import { grantNames } from "@portcullis/policy/grant-match";
import { matchesToolPattern } from "@portcullis/policy/tool-pattern";
import type { inferRouterOutputs } from "@trpc/server";

type Outputs = inferRouterOutputs<AppRouter>;
export type Grant = Outputs["grants"]["list"][number];
export type Effect = Grant["effect"];
export type PreviewedTool = Outputs["grants"]["preview"][number];

/** A row of the matrix: a team, or an agent (listed under its team). */
export interface Subject {
  type: "team" | "agent";
  id: string;
  name: string;
  /** For agents: the team whose grants also apply to it. */
  teamId?: string;
  teamName?: string;
}

export const EFFECT_LABELS: Record<Effect, string> = {
  allow: "Allow",
  approve: "Requires approval",
  deny: "Deny",
};

/** An effect in a few letters, for cells that show an inherited rule. */
export const SHORT: Record<Effect, string> = { allow: "allow", approve: "approval", deny: "deny" };

const RANK: Record<Effect, number> = { allow: 0, approve: 1, deny: 2 };

export function subjectLabel(s: Subject): string {
  return `${s.type} ${s.name}`;
}

/** Teams in name order, each followed by its agents: how the matrix lists its rows. */
export function subjectsOf(
  teams: Array<{ id: string; name: string }>,
  agents: Array<{ id: string; name: string; teamId: string; teamName: string }>,
): Subject[] {
  const out: Subject[] = [];
  for (const team of teams) {
    out.push({ type: "team", id: team.id, name: team.name });
    for (const a of agents.filter((a) => a.teamId === team.id)) {
      out.push({ type: "agent", id: a.id, name: a.name, teamId: a.teamId, teamName: a.teamName });
    }
  }
  return out;
}

/** The grant of exactly this subject, server and pattern (what a matrix cell edits). */
export function exactGrant(
  grants: Grant[],
  subject: Subject,
  serverId: string,
  pattern: string,
): Grant | undefined {
  return grants.find(
    (g) =>
      g.subject.type === subject.type &&
      g.subject.id === subject.id &&
      g.serverId === serverId &&
      g.toolPattern === pattern,
  );
}

/**
 * The effect the gateway applies to `toolName` for a subject, with the grant that decides
 * it: the most restrictive matching grant of the subject (and, for an agent, of its team),
 * the same rule as @portcullis/policy's decideToolCall. Null: no grant, default deny.
 */
export function effectiveGrant(
  grants: Grant[],
  subject: Subject,
  serverId: string,
  toolName: string,
): Grant | null {
  const who =
    subject.type === "agent"
      ? { id: subject.id, teamId: subject.teamId ?? null }
      : { id: null, teamId: subject.id };
  let best: Grant | null = null;
  for (const g of grants) {
    // The matrix shows teams and agents: a person's grants never reach them (see the person's own view).
    if (g.serverId !== serverId || g.subject.type === "user") continue;
    const named =
      g.subject.type === "agent"
        ? { agentId: g.subject.id, teamId: null }
        : { agentId: null, teamId: g.subject.id };
    if (!grantNames(named, who) || !matchesToolPattern(g.toolPattern, toolName)) continue;
    if (best === null || RANK[g.effect] > RANK[best.effect]) best = g;
  }
  return best;
}

/** What a cell without a grant of its own shows: the rule that applies instead, briefly. */
export function inheritedLabel(grant: Grant | null, subject: Subject): string {
  if (grant === null) return "— (deny)";
  const fromTeam = grant.subject.type === "team" && subject.type === "agent";
  const via = [fromTeam ? "team" : null, grant.toolPattern].filter(Boolean).join(", ");
  return `— ${grantConditionText(grant) ? "approval if…" : SHORT[grant.effect]} (${via})`;
}

/**
 * The argument condition of an `approve` grant in words (`env is one of "prod"`), or null
 * when every call of the grant waits (or the grant does not ask at all).
 */
export function grantConditionText(grant: Pick<Grant, "effect" | "condition">): string | null {
  if (grant.effect !== "approve" || grant.condition === null || grant.condition === undefined) return null;
  return summarizeCondition(grant.condition);
}

/**
 * A preview row's answer in words, the way the gateway will behave: "Allowed",
 * "Requires approval (always)", "… when env is "prod"", "… by policy X: reason".
 */
export function previewApprovalText(approval: PreviewedTool["approval"]): string {
  if (approval.mode === "never") return "Allowed";
  const when = approval.mode === "conditional" && approval.when ? ` when ${approval.when}` : "";
  if (approval.source.type === "policy") {
    const always = approval.mode === "always" ? " (always)" : when;
    return `Requires approval${always} by policy ${approval.source.name ?? approval.source.id}: ${approval.reason}`;
  }
  return approval.mode === "always" ? "Requires approval (always)" : `Requires approval${when}`;
}
