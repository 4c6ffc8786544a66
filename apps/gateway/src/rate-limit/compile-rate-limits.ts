import {
  RATE_LIMIT_WINDOW_MS,
  type RateLimitPer,
  type RateLimitWindow,
  rateLimitPolicyConfig,
  rateLimitRuleId,
} from "@portcullis/contracts/rate-limit-policy";
import { type RedisNames, rateLimitKey } from "@portcullis/contracts/redis-keys";
import type {
  RiskClass,
  SnapshotAgent,
  SnapshotPolicy,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
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
  orgId: string;
  onRedisDown: "open" | "closed";
  limits: CompiledLimit[];
  /** Scope as sets of ids; null: no restriction on that dimension. */
  teams: Set<string> | null;
  agents: Set<string> | null;
  servers: Set<string> | null;
  tools: Set<string> | null;
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
  /** agent id → tool id → plan (null: nothing applies). */
  private readonly plans = new Map<string, Map<string, CallPlan | null>>();

  constructor(
    readonly policies: CompiledRateLimitPolicy[],
    readonly skipped: SkippedPolicy[],
    private readonly names: RedisNames,
  ) {}

  planFor(agent: SnapshotAgent, server: SnapshotServer, tool: SnapshotTool): CallPlan | null {
    if (this.policies.length === 0) return null;
    let byTool = this.plans.get(agent.id);
    if (!byTool) {
      byTool = new Map();
      this.plans.set(agent.id, byTool);
    }
    let plan = byTool.get(tool.id);
    if (plan === undefined) {
      plan = this.buildPlan(agent, server, tool);
      byTool.set(tool.id, plan);
    }
    return plan;
  }

  private buildPlan(agent: SnapshotAgent, server: SnapshotServer, tool: SnapshotTool): CallPlan | null {
    const plan: CallPlan = { limits: [], policies: [], keys: [], args: [] };
    for (const policy of this.policies) {
      if (policy.orgId !== agent.orgId) continue;
      if (policy.teams && !policy.teams.has(agent.teamId)) continue;
      if (policy.agents && !policy.agents.has(agent.id)) continue;
      if (policy.servers && !policy.servers.has(server.id)) continue;
      // The control plane stores a tool by id, or by exposed name until its catalog lists it.
      if (policy.tools && !policy.tools.has(tool.id) && !policy.tools.has(tool.exposedName)) continue;
      let applied = false;
      for (const limit of policy.limits) {
        if (limit.risks && !limit.risks.includes(tool.riskClass)) continue;
        applied = true;
        plan.limits.push({ policy, limit });
        plan.keys.push(
          rateLimitKey(this.names, policy.id, limit.id, subjectOf(limit.per, agent, server, tool)),
        );
        plan.args.push(
          limit.window === "day" ? "d" : "s",
          String(RATE_LIMIT_WINDOW_MS[limit.window]),
          String(limit.max),
        );
      }
      if (applied) plan.policies.push(policy);
    }
    return plan.limits.length > 0 ? plan : null;
  }
}

function subjectOf(
  per: RateLimitPer,
  agent: SnapshotAgent,
  server: SnapshotServer,
  tool: SnapshotTool,
): string {
  switch (per) {
    case "agent":
      return agent.id;
    case "team":
      return agent.teamId;
    case "server":
      return server.id;
    case "tool":
      return tool.id;
    case "agent+server":
      return `${agent.id}:${server.id}`;
    case "agent+tool":
      return `${agent.id}:${tool.id}`;
    case "team+server":
      return `${agent.teamId}:${server.id}`;
    case "team+tool":
      return `${agent.teamId}:${tool.id}`;
  }
}

const asSet = (ids: string[]): Set<string> | null => (ids.length > 0 ? new Set(ids) : null);

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
      const problem = parsed.error.issues
        .map((i) => `${i.path.join(".") || "config"}: ${i.message}`)
        .join("; ");
      skipped.push({ id: p.id, name: p.name, problem });
      continue;
    }
    const config = parsed.data;
    compiled.push({
      id: p.id,
      name: p.name,
      orgId: p.orgId,
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
      teams: asSet(p.scope.teams),
      agents: asSet(p.scope.agents),
      servers: asSet(p.scope.servers),
      tools: asSet(p.scope.tools),
    });
  }
  return new CompiledRateLimits(compiled, skipped, names);
}
