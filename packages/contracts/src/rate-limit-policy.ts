import { z } from "zod";
import { policyFileEntry } from "./policy-file-entry";
import { riskClass } from "./snapshot";

/**
 * Config of a `rate_limit` policy: call-rate limits and daily quotas, counted in Redis so
 * they hold across every gateway replica. The policy's `scope` (teams, agents, servers,
 * tools) says which calls it covers; each limit says whose budget a call draws from.
 *
 * ```yaml
 * - name: ci-per-agent
 *   kind: rate_limit
 *   scope: { teams: [platform] }
 *   config:
 *     onRedisDown: open                 # or closed: refuse calls while limits cannot be checked
 *     limits:
 *       - { per: agent, window: minute, max: 60 }
 *       - { per: agent, window: day, max: 5000 }
 *       # stricter for risky tools: this limit counts only write and destructive calls
 *       - { per: agent, window: minute, max: 5, appliesToRisk: [write, destructive] }
 * ```
 *
 * A call passes only if every applicable limit of every applicable policy has room, and
 * then it counts against all of them at once (nothing is consumed by a refused call).
 */

/**
 * Whose budget a call draws from: one counter per agent, per team (all its agents share
 * it), per server, per tool, or per combination (`agent+tool`: each agent has its own
 * budget on each tool). `user` (and `user+server`, `user+tool`): one counter per person
 * signed in through OAuth, whichever client they use; a call made by no person (an agent's
 * API key) is not counted by a per-user limit.
 */
export const rateLimitPer = z.enum([
  "agent",
  "team",
  "server",
  "tool",
  "agent+server",
  "agent+tool",
  "team+server",
  "team+tool",
  "user",
  "user+server",
  "user+tool",
]);
export type RateLimitPer = z.infer<typeof rateLimitPer>;

/**
 * `second`, `minute`, `hour`: a sliding window (at most `max` calls in any such span, so
 * a refused caller learns exactly when the oldest counted call leaves the window).
 * `day`: a daily quota per UTC calendar day, reset at 00:00 UTC.
 */
export const rateLimitWindow = z.enum(["second", "minute", "hour", "day"]);
export type RateLimitWindow = z.infer<typeof rateLimitWindow>;

export const RATE_LIMIT_WINDOW_MS: Record<RateLimitWindow, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** A sliding window remembers each call in it; this bounds that memory per counter. */
export const SLIDING_WINDOW_MAX = 100_000;

const appliesToRisk = z
  .array(riskClass)
  .min(1)
  .describe("count only calls to tools of these risk classes (read, write, destructive)");

export const rateLimitRule = z
  .object({
    per: rateLimitPer,
    window: rateLimitWindow,
    max: z.number().int().positive().describe("calls allowed per window"),
    /** Overrides the policy's `appliesToRisk` for this limit. */
    appliesToRisk: appliesToRisk.optional(),
  })
  .strict()
  .refine((l) => l.window === "day" || l.max <= SLIDING_WINDOW_MAX, {
    message: `a per-second, per-minute or per-hour limit allows at most ${SLIDING_WINDOW_MAX} calls; use a daily quota for more`,
    path: ["max"],
  });
export type RateLimitRule = z.infer<typeof rateLimitRule>;

export const rateLimitPolicyConfig = z
  .object({
    limits: z.array(rateLimitRule).min(1).max(16),
    /**
     * Default risk filter of the policy's limits (all classes when absent). A policy with
     * only `[write, destructive]` leaves read-only calls alone, so they never touch Redis.
     */
    appliesToRisk: appliesToRisk.optional(),
    /**
     * What to do with a call when Redis cannot be reached to check the limits: `open`
     * lets it through, `closed` refuses it (RATE_LIMITED). Either way the audit event says
     * the limit could not be checked and what was decided.
     */
    onRedisDown: z.enum(["open", "closed"]).default("open"),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.limits.forEach((l, i) => {
      const id = rateLimitRuleId(l, config.appliesToRisk);
      const first = seen.get(id);
      if (first === undefined) seen.set(id, i);
      else
        ctx.addIssue({
          code: "custom",
          path: ["limits", i],
          message: `same per, window and risk classes as limits[${first}]: keep one`,
        });
    });
  });
export type RateLimitPolicyConfig = z.infer<typeof rateLimitPolicyConfig>;

/**
 * The stable identity of a limit within its policy (`agent:minute:write,destructive`),
 * used in its Redis counter's key: changing `max` keeps the counter, changing what the
 * limit counts starts a new one.
 */
export function rateLimitRuleId(
  rule: { per: RateLimitPer; window: RateLimitWindow; appliesToRisk?: readonly string[] },
  policyRisk?: readonly string[],
): string {
  const risk = rule.appliesToRisk ?? policyRisk;
  const riskPart = risk ? [...new Set(risk)].sort().join(",") : "all";
  return `${rule.per}:${rule.window}:${riskPart}`;
}

/** A `rate_limit` policy as written in the apply file. */
export const rateLimitPolicyFileEntry = policyFileEntry("rate_limit", rateLimitPolicyConfig);
export type RateLimitPolicyFileEntry = z.infer<typeof rateLimitPolicyFileEntry>;
