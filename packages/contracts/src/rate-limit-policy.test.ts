import { describe, expect, it } from "vitest";
import { rateLimitPolicyConfig, rateLimitPolicyFileEntry, rateLimitRuleId } from "./rate-limit-policy";

const messages = (input: unknown) =>
  rateLimitPolicyConfig.safeParse(input).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

describe("rateLimitPolicyConfig", () => {
  it("fails open by default and keeps the limits as written", () => {
    expect(rateLimitPolicyConfig.parse({ limits: [{ per: "agent", window: "minute", max: 10 }] })).toEqual({
      limits: [{ per: "agent", window: "minute", max: 10 }],
      onRedisDown: "open",
    });
  });

  it("refuses what cannot be enforced as written", () => {
    expect(messages({ limits: [] })).toEqual([expect.stringMatching(/^limits: /)]);
    expect(messages({ limits: [{ per: "agent", window: "week", max: 1 }] })).toEqual([
      expect.stringMatching(/^limits\.0\.window: /),
    ]);
    expect(messages({ limits: [{ per: "agent", window: "minute", max: 0 }] })).toEqual([
      expect.stringMatching(/^limits\.0\.max: /),
    ]);
    expect(messages({ limits: [{ per: "agent", window: "hour", max: 200_000 }] })).toEqual([
      "limits.0.max: a per-second, per-minute or per-hour limit allows at most 100000 calls; use a daily quota for more",
    ]);
    expect(
      messages({ limits: [{ per: "agent", window: "day", max: 200_000 }], onRedisDown: "maybe" }),
    ).toEqual([expect.stringMatching(/^onRedisDown: /)]);
  });

  it("tells limits apart by what they count, so a stricter limit for risky tools can sit beside a general one", () => {
    const general = { per: "agent", window: "minute", max: 60 } as const;
    const risky = { ...general, max: 5, appliesToRisk: ["destructive", "write"] } as const;
    expect(messages({ limits: [general, risky] })).toEqual([]);
    expect(messages({ limits: [general, { ...general, max: 5 }] })).toEqual([
      "limits.1: same per, window and risk classes as limits[0]: keep one",
    ]);
    // A limit without its own risk classes inherits the policy's.
    expect(
      messages({ appliesToRisk: ["write", "destructive"], limits: [risky, { ...general, max: 9 }] }),
    ).toHaveLength(1);
    expect(rateLimitRuleId(risky)).toBe("agent:minute:destructive,write");
    expect(rateLimitRuleId(general)).toBe("agent:minute:all");
  });
});

describe("rateLimitPolicyFileEntry", () => {
  it("accepts a policy as written in portcullis.yaml", () => {
    const entry = rateLimitPolicyFileEntry.parse({
      name: "ci-per-agent",
      kind: "rate_limit",
      scope: { teams: ["platform"] },
      config: { onRedisDown: "closed", limits: [{ per: "team", window: "day", max: 5000 }] },
    });
    expect(entry.config.onRedisDown).toBe("closed");
    expect(rateLimitPolicyFileEntry.safeParse({ ...entry, extra: 1 }).success).toBe(false);
  });
});
