import {
  RATE_LIMIT_WINDOW_MS,
  type RateLimitPer,
  type RateLimitWindow,
  rateLimitPolicyConfig,
  rateLimitRuleId,
} from "@portcullis/contracts/rate-limit-policy";
import { type RedisNames, rateLimitKey } from "@portcullis/contracts/redis-keys";
import type { RiskClass, SnapshotPolicy, SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import { describeConfigProblems } from "../config-problems";
import { type CompiledScope, compileScope, scopeCovers, scopedCall } from "../policy-scope";
import { type PolicySubject, subjectTeamIds } from "../policy-subject";
import { describeLimit } from "./describe-limit";

export interface CompiledLimit {
  /** Stable within the policy (`agent:minute:all`); part of the counter's key. */
  id: string;
  per: RateLimitPer;
  window: RateLimitWindow;
  max: number;
  /** Risk classes this limit counts; null: every call the policy covers. */
  risks: RiskClass[] | null;
  /** `10 calls per minute per agent`. */
  text: string;
}

export interface CompiledRateLimitPolicy {
  id: string;
  name: string;
  onRedisDown: "open" | "closed";
  limits: CompiledLimit[];
  scope: CompiledScope;
}

export interface PlannedLimit {
  policy: CompiledRateLimitPolicy;
  limit: CompiledLimit;
}

/**
 * Everything one (agent, tool) pair's calls must pass, with the script's KEYS and ARGV
 * (all but the per-call member) ready, so a call builds nothing.
 */
export interface CallPlan {
  limits: PlannedLimit[];
  /** Distinct policies behind `limits`, in priority order (for the Redis-down decision). */
  policies: CompiledRateLimitPolicy[];
  keys: string[];
  /** Per limit: mode (`s` sliding window, `d` daily quota), window ms, max. */
  args: string[];
}

export interface SkippedPolicy {
  id: string;
  name: string;
  problem: string;
}

/**
 * The `rate_limit` policies of one snapshot, compiled once. `planFor` answers, per agent
 * and tool, which limits a call must pass; the answer is cached for the snapshot's
 * lifetime, and is null when nothing applies (the call never touches Redis).
 */
export class CompiledRateLimits {
  /** caller (agent id, or agent id and person id) → tool id → plan (null: nothing applies). */
  private readonly plans = new Map<string, Map<string, CallPlan | null>>();

  constructor(
    readonly policies: CompiledRateLimitPolicy[],
    readonly skipped: SkippedPolicy[],
    private readonly names: RedisNames,
  ) {}

  /**
   * @param personId the person the call is made for (an OAuth caller), or null: per-user
   *   limits count only calls that name a person, and a policy scoped to users covers only theirs.
   */
  planFor(
    agent: PolicySubject,
    server: SnapshotServer,
    tool: SnapshotTool,
    personId: string | null = null,
  ): CallPlan | null {
    if (this.policies.length === 0) return null;
    const caller = personId === null ? agent.id : `${agent.id}\0${personId}`;
    let byTool = this.plans.get(caller);
    if (!byTool) {
      byTool = new Map();
      this.plans.set(caller, byTool);
    }
    let plan = byTool.get(tool.id);
    if (plan === undefined) {
      plan = this.buildPlan(agent, server, tool, personId);
      byTool.set(tool.id, plan);
    }
    return plan;
  }

  private buildPlan(
    agent: PolicySubject,
    server: SnapshotServer,
    tool: SnapshotTool,
    personId: string | null,
  ): CallPlan | null {
    const plan: CallPlan = { limits: [], policies: [], keys: [], args: [] };
    const call = scopedCall(agent, server, tool, personId);
    for (const policy of this.policies) {
      if (!scopeCovers(policy.scope, call)) continue;
      let applied = false;
      for (const limit of policy.limits) {
        if (limit.risks && !limit.risks.includes(tool.riskClass)) continue;
        for (const subject of countersOf(limit.per, agent, server, tool, personId, policy.scope)) {
          applied = true;
          plan.limits.push({ policy, limit });
          plan.keys.push(rateLimitKey(this.names, policy.id, limit.id, subject));
          plan.args.push(
            limit.window === "day" ? "d" : "s",
            String(RATE_LIMIT_WINDOW_MS[limit.window]),
            String(limit.max),
          );
        }
      }
      if (applied) plan.policies.push(policy);
    }
    return plan.limits.length > 0 ? plan : null;
  }
}

/**
 * Whose counters a call draws from under `per`: one, except that a per-team limit counts a
 * person's call against each of their teams the policy covers (every team budget they spend
 * from), and none for a per-user limit without a person or a per-team one for a person in no team.
 */
function countersOf(
  per: RateLimitPer,
  agent: PolicySubject,
  server: SnapshotServer,
  tool: SnapshotTool,
  personId: string | null,
  scope: CompiledScope,
): string[] {
  switch (per) {
    case "agent":
      return [agent.id];
    case "team":
      return teamsCounted(agent, scope);
    case "server":
      return [server.id];
    case "tool":
      return [tool.id];
    case "agent+server":
      return [`${agent.id}:${server.id}`];
    case "agent+tool":
      return [`${agent.id}:${tool.id}`];
    case "team+server":
      return teamsCounted(agent, scope).map((team) => `${team}:${server.id}`);
    case "team+tool":
      return teamsCounted(agent, scope).map((team) => `${team}:${tool.id}`);
    case "user":
      return personId === null ? [] : [personId];
    case "user+server":
      return personId === null ? [] : [`${personId}:${server.id}`];
    case "user+tool":
      return personId === null ? [] : [`${personId}:${tool.id}`];
  }
}

/** The caller's teams a policy's team counters count: those its scope names (all when it names none). */
function teamsCounted(agent: PolicySubject, scope: CompiledScope): string[] {
  const teams = subjectTeamIds(agent);
  const named = scope.teams;
  return named === null ? [...teams] : teams.filter((t) => named.has(t));
}

/**
 * Validates and compiles a snapshot's `rate_limit` policies (already in priority order).
 * A policy whose config does not parse is skipped whole and reported in `skipped`, never
 * half-applied.
 */
export function compileRateLimits(policies: SnapshotPolicy[], names: RedisNames): CompiledRateLimits {
  const compiled: CompiledRateLimitPolicy[] = [];
  const skipped: SkippedPolicy[] = [];
  for (const p of policies) {
    if (p.kind !== "rate_limit") continue;
    const parsed = rateLimitPolicyConfig.safeParse(p.config);
    if (!parsed.success) {
      skipped.push({ id: p.id, name: p.name, problem: describeConfigProblems(parsed.error) });
      continue;
    }
    const config = parsed.data;
    compiled.push({
      id: p.id,
      name: p.name,
      onRedisDown: config.onRedisDown,
      limits: config.limits.map((rule) => {
        const risks = rule.appliesToRisk ?? config.appliesToRisk ?? null;
        const limit = {
          per: rule.per,
          window: rule.window,
          max: rule.max,
          risks: risks ? [...new Set(risks)] : null,
        };
        return { ...limit, id: rateLimitRuleId(rule, config.appliesToRisk), text: describeLimit(limit) };
      }),
      scope: compileScope(p),
    });
  }
  return new CompiledRateLimits(compiled, skipped, names);
}
