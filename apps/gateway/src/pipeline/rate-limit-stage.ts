import { AppError } from "@portcullis/contracts/errors";
import { randomToken } from "@portcullis/contracts/ids";
import type { RedisNames } from "@portcullis/contracts/redis-keys";
import type { SnapshotPolicy } from "@portcullis/contracts/snapshot";
import {
  type CallPlan,
  type CompiledLimit,
  compileRateLimits,
} from "@portcullis/policy/rate-limit/compile-rate-limits";
import { formatRetry } from "@portcullis/policy/rate-limit/describe-limit";
import type { RedisTarget } from "@portcullis/queues/redis-config";
import type { Logger } from "pino";
import { LimitStore } from "../rate-limit/limit-store";
import { personIdOf } from "./person-of";
import { policySubject } from "./policy-subject";
import type { RequestContext } from "./request-context";
import type { StageInput } from "./stage-input";

/**
 * Rate limits and quotas (issue 5): throws AppError RATE_LIMITED naming the limit and when
 * to retry. Counters live in Redis so limits hold across gateway replicas.
 */
export interface RateLimitStage {
  enforce(input: StageInput): Promise<void>;
  close(): Promise<void>;
}

/** No limits configured: every call passes. */
export const noRateLimits: RateLimitStage = {
  async enforce() {},
  async close() {},
};

export interface RateLimitStageOptions {
  redisUrl: RedisTarget;
  names: RedisNames;
  logger: Logger;
  /** A check slower than this counts as "Redis unreachable" (default 2 s). */
  commandTimeoutMs?: number;
}

/** How long a caller refused by a fail-closed policy is told to wait: about one reconnect attempt. */
const UNCHECKED_RETRY_MS = 1_000;
const OUTAGE_LOG_EVERY_MS = 10_000;

/**
 * The Redis-backed rate-limit stage. Policies are compiled once per snapshot; a call that
 * no policy covers returns without touching Redis. A covered call costs one EVALSHA that
 * checks all its limits and consumes budget only if every one has room.
 */
export function createRateLimitStage(options: RateLimitStageOptions): RateLimitStage {
  const { logger, names } = options;
  const store = new LimitStore({ redisUrl: options.redisUrl, commandTimeoutMs: options.commandTimeoutMs });
  // Members of the sliding-window sets must be unique across replicas and calls.
  const memberPrefix = randomToken(10);
  let sequence = 0;
  let lastOutageLog = 0;

  const compile = (policies: SnapshotPolicy[]) => {
    const compiled = compileRateLimits(policies, names);
    for (const s of compiled.skipped)
      logger.warn(
        { policyId: s.id, policy: s.name, problem: s.problem },
        "rate_limit policy skipped: invalid config",
      );
    return compiled;
  };

  return {
    async enforce({ ctx, server, tool }) {
      const { snapshot, identity } = ctx;
      const plan = snapshot
        .policiesCompiled("rate_limit", compile)
        .planFor(policySubject(identity), server, tool, personIdOf(identity));
      if (!plan) return;
      sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
      let verdict: Awaited<ReturnType<LimitStore["check"]>>;
      try {
        verdict = await store.check(plan.keys, plan.args, `${memberPrefix}:${sequence}`);
      } catch (err) {
        if (Date.now() - lastOutageLog > OUTAGE_LOG_EVERY_MS) {
          lastOutageLog = Date.now();
          logger.warn(
            { err: err instanceof Error ? err.message : String(err) },
            "rate limits could not be checked",
          );
        }
        return decideUnchecked(ctx, plan);
      }
      if (verdict.allowed) return;
      const { policy, limit } = plan.limits[verdict.index]!;
      throw new AppError(
        "RATE_LIMITED",
        `rate limit '${policy.name}' exceeded: ${limit.text}; retry in ${formatRetry(verdict.retryAfterMs)}`,
        { details: { policy: policy.name, limit: limitDetails(limit), retryAfterMs: verdict.retryAfterMs } },
      );
    },
    close: () => store.close(),
  };
}

/**
 * Redis could not answer: each covering policy chose fail open or fail closed. One
 * closed policy refuses the call (all limits must pass); otherwise it proceeds. The audit
 * event says the limits were not checked and what was decided.
 */
function decideUnchecked(ctx: RequestContext, plan: CallPlan): void {
  const closed = plan.policies.find((p) => p.onRedisDown === "closed");
  if (closed) {
    const limit = plan.limits.find((l) => l.policy === closed)!.limit;
    const message =
      `rate limit '${closed.name}' could not be checked (rate-limit store unreachable) and fails closed: ` +
      `call refused; retry in ${formatRetry(UNCHECKED_RETRY_MS)}`;
    ctx.audit.upstreamStatus = "not_called:rate_limit_unchecked";
    throw new AppError("RATE_LIMITED", message, {
      details: {
        policy: closed.name,
        limit: limitDetails(limit),
        retryAfterMs: UNCHECKED_RETRY_MS,
        unchecked: true,
      },
    });
  }
  const names = plan.policies.map((p) => `'${p.name}'`).join(", ");
  const note = `rate limit${plan.policies.length > 1 ? "s" : ""} ${names} not checked (rate-limit store unreachable): fails open, call allowed`;
  ctx.audit.reason = ctx.audit.reason ? `${ctx.audit.reason}; ${note}` : note;
}

function limitDetails(limit: CompiledLimit): Record<string, unknown> {
  return {
    per: limit.per,
    window: limit.window,
    max: limit.max,
    ...(limit.risks && { appliesToRisk: limit.risks }),
    text: limit.text,
  };
}
