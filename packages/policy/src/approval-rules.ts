import { approvalPolicyConfig, DEFAULT_APPROVAL_TIMEOUT_SEC } from "@portcullis/contracts/approval-policy";
import type { ApprovalSource } from "@portcullis/contracts/jobs";
import type {
  RiskClass,
  SnapshotGrant,
  SnapshotPolicy,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { type CompiledCondition, compileCondition, evaluateCondition } from "./approval-condition";
import { describeConfigProblems } from "./config-problems";
import type { Decision } from "./decide";
import { grantAppliesTo, grantCoversTool } from "./grant-match";
import { type CompiledScope, compileScope, scopeCovers, scopedCall } from "./policy-scope";
import type { PolicySubject } from "./policy-subject";

/**
 * Which calls wait for a person (issue 4). Evaluated after the grant decision
 * (`decideToolCall`), on the arguments the call would send, by the gateway on every call and
 * by the console's preview, so both always agree:
 *
 * 1. Grants with effect `approve` that match the call (subject, server, tool pattern): one
 *    without a condition holds every call; one with a condition holds the calls whose
 *    arguments match it. A call that no `approve` grant holds runs as allowed: an `approve`
 *    grant with a condition reads "allowed, but these calls need a person". A condition
 *    that cannot be compiled holds every call (fail closed).
 * 2. Otherwise policies of kind `approval`, in priority order: the first one whose scope
 *    covers the call, whose `riskClasses` include the tool's risk class and whose `when`
 *    matches the arguments (or has none) holds it. An invalid policy is skipped (and
 *    reported by `skipped`), exactly as the other policy kinds are.
 */
export interface ApprovalRequirement {
  source: ApprovalSource;
  reason: string;
  timeoutSec: number;
  /** Argument paths whose values made the rule ask: the approver sees them highlighted. */
  highlights: string[];
}

export interface CompiledApprovalRule {
  policyId: string;
  name: string;
  scope: CompiledScope;
  riskClasses: Set<RiskClass> | null;
  when: CompiledCondition | null;
  timeoutSec: number | null;
  reason: string;
}

export interface SkippedApprovalPolicy {
  id: string;
  name: string;
  problem: string;
}

/** The `approval` policies of one snapshot, compiled once; per (agent, tool) answers are cached. */
export class CompiledApprovalRules {
  private readonly applicable = new Map<string, CompiledApprovalRule[]>();
  private readonly grantConditions = new WeakMap<SnapshotGrant, CompiledCondition | Error>();

  constructor(
    readonly rules: CompiledApprovalRule[],
    readonly skipped: SkippedApprovalPolicy[],
  ) {}

  /** The rules whose scope and risk classes cover this agent's calls to this tool, in priority order. */
  rulesFor(
    agent: PolicySubject,
    server: SnapshotServer,
    tool: SnapshotTool,
    personId: string | null = null,
  ): CompiledApprovalRule[] {
    const key = `${agent.id}/${personId ?? ""}/${tool.id}`;
    let rules = this.applicable.get(key);
    if (!rules) {
      const call = scopedCall(agent, server, tool, personId);
      rules = this.rules.filter(
        (r) => scopeCovers(r.scope, call) && (r.riskClasses === null || r.riskClasses.has(tool.riskClass)),
      );
      if (this.applicable.size < 100_000) this.applicable.set(key, rules);
    }
    return rules;
  }

  /**
   * The teams an approval policy's scope names (null: it names none, or no such policy): the
   * approvers of those of the caller's teams decide the calls it holds.
   */
  scopeTeams(policyId: string): ReadonlySet<string> | null {
    return this.rules.find((r) => r.policyId === policyId)?.scope.teams ?? null;
  }

  /** A grant's condition compiled (cached per grant object, i.e. per snapshot), or the Error it raised. */
  grantCondition(grant: SnapshotGrant): CompiledCondition | Error | null {
    if (grant.condition === undefined || grant.condition === null) return null;
    let compiled = this.grantConditions.get(grant);
    if (compiled === undefined) {
      try {
        compiled = compileCondition(grant.condition);
      } catch (error) {
        compiled = error instanceof Error ? error : new Error(String(error));
      }
      this.grantConditions.set(grant, compiled);
    }
    return compiled;
  }
}

/** Compiles a snapshot's `approval` policies (others are ignored); invalid ones are skipped, never half-applied. */
export function compileApprovalRules(policies: readonly SnapshotPolicy[]): CompiledApprovalRules {
  const rules: CompiledApprovalRule[] = [];
  const skipped: SkippedApprovalPolicy[] = [];
  const ordered = policies
    .filter((p) => p.kind === "approval")
    .sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  for (const policy of ordered) {
    const parsed = approvalPolicyConfig.safeParse(policy.config);
    if (!parsed.success) {
      skipped.push({ id: policy.id, name: policy.name, problem: describeConfigProblems(parsed.error) });
      continue;
    }
    const config = parsed.data;
    rules.push({
      policyId: policy.id,
      name: policy.name,
      scope: compileScope(policy),
      riskClasses: config.riskClasses ? new Set(config.riskClasses) : null,
      when: config.when ? compileCondition(config.when) : null,
      timeoutSec: config.timeoutSec ?? null,
      reason: config.reason,
    });
  }
  return new CompiledApprovalRules(rules, skipped);
}

export interface ApprovalInput {
  /** The caller: an agent, or a person with all their teams (their teams' `approve` grants hold their calls). */
  agent: PolicySubject;
  server: SnapshotServer;
  tool: SnapshotTool;
  /** The grant decision for the call (a denied call never gets this far). */
  decision: Exclude<Decision, { effect: "deny" }>;
  /** Grants that name the tool's server (any subject), as `decideToolCall` got them. */
  grants: readonly SnapshotGrant[];
  rules: CompiledApprovalRules;
  /** The person the call is made for (an OAuth caller): approval policies scoped to users match it. */
  personId?: string | null;
}

/** The `approve` grants that match this call, the same way `decideToolCall` matches grants. */
function approveGrants({ agent, tool, grants }: ApprovalInput): SnapshotGrant[] {
  return grants.filter((g) => g.effect === "approve" && grantAppliesTo(g, agent) && grantCoversTool(g, tool));
}

function grantRequirement(
  input: ApprovalInput,
  grant: SnapshotGrant,
  highlights: string[],
): ApprovalRequirement {
  return {
    source: { type: "grant", id: grant.id, name: null },
    reason: grant.reason ?? `calls to '${input.tool.exposedName}' require approval`,
    timeoutSec: grant.approvalTimeoutSec ?? DEFAULT_APPROVAL_TIMEOUT_SEC,
    highlights,
  };
}

function policyRequirement(rule: CompiledApprovalRule, highlights: string[]): ApprovalRequirement {
  return {
    source: { type: "policy", id: rule.policyId, name: rule.name },
    reason: rule.reason,
    timeoutSec: rule.timeoutSec ?? DEFAULT_APPROVAL_TIMEOUT_SEC,
    highlights,
  };
}

/**
 * Whether this call, with these arguments, must wait for a person, and why. Null: it runs
 * now. Pure and cheap when nothing applies (no `approve` grant, no approval policy in scope).
 */
/**
 * Whether anything could hold a call: an `approve` decision, or some approval policy in the
 * snapshot. False answers `requiredApproval` without its inputs (the gateway asks per call).
 */
export function mayRequireApproval(
  decision: ApprovalInput["decision"],
  rules: CompiledApprovalRules,
): boolean {
  return decision.effect === "approve" || rules.rules.length > 0;
}

export function requiredApproval(
  input: ApprovalInput,
  args: Record<string, unknown>,
): ApprovalRequirement | null {
  if (!mayRequireApproval(input.decision, input.rules)) return null;
  if (input.decision.effect === "approve") {
    for (const grant of approveGrants(input)) {
      const condition = input.rules.grantCondition(grant);
      if (condition === null) return grantRequirement(input, grant, []);
      if (condition instanceof Error) {
        const required = grantRequirement(input, grant, []);
        return {
          ...required,
          reason: `${required.reason} (its argument condition is invalid: every call waits)`,
        };
      }
      const result = evaluateCondition(condition, args);
      if (result.matched) return grantRequirement(input, grant, result.paths);
    }
  }
  for (const rule of input.rules.rulesFor(input.agent, input.server, input.tool, input.personId ?? null)) {
    if (rule.when === null) return policyRequirement(rule, []);
    const result = evaluateCondition(rule.when, args);
    if (result.matched) return policyRequirement(rule, result.paths);
  }
  return null;
}

/**
 * What the console shows before any call is made: whether calls to this tool by this agent
 * always wait (`always`), wait only for some arguments (`conditional`) or never (`never`),
 * with the first reason found. Computed from the same rules as `requiredApproval`.
 */
export type ApprovalPreview =
  | { mode: "never" }
  | { mode: "always" | "conditional"; source: ApprovalSource; reason: string; timeoutSec: number };

export function approvalPreview(input: ApprovalInput): ApprovalPreview {
  let conditional: ApprovalPreview | null = null;
  const consider = (req: ApprovalRequirement, always: boolean): ApprovalPreview | null => {
    const preview = { mode: always ? "always" : "conditional", ...req } as const;
    if (always) return preview;
    conditional ??= preview;
    return null;
  };
  if (input.decision.effect === "approve") {
    for (const grant of approveGrants(input)) {
      const condition = input.rules.grantCondition(grant);
      const found = consider(
        grantRequirement(input, grant, []),
        condition === null || condition instanceof Error,
      );
      if (found) return strip(found);
    }
  }
  for (const rule of input.rules.rulesFor(input.agent, input.server, input.tool, input.personId ?? null)) {
    const found = consider(policyRequirement(rule, []), rule.when === null);
    if (found) return strip(found);
  }
  return conditional ? strip(conditional) : { mode: "never" };
}

function strip(p: ApprovalPreview): ApprovalPreview {
  if (p.mode === "never") return p;
  return { mode: p.mode, source: p.source, reason: p.reason, timeoutSec: p.timeoutSec };
}
