import type { RateLimitPer, RateLimitWindow } from "@portcullis/contracts/rate-limit-policy";
import type { RiskClass } from "@portcullis/contracts/snapshot";

const PER_TEXT: Record<RateLimitPer, string> = {
  agent: "per agent",
  team: "per team",
  server: "per server",
  tool: "per tool",
  "agent+server": "per agent and server",
  "agent+tool": "per agent and tool",
  "team+server": "per team and server",
  "team+tool": "per team and tool",
  user: "per person",
  "user+server": "per person and server",
  "user+tool": "per person and tool",
};

/** `10 calls per minute per agent`, `5 write or destructive calls per day per team`. */
export function describeLimit(limit: {
  per: RateLimitPer;
  window: RateLimitWindow;
  max: number;
  risks: readonly RiskClass[] | null;
}): string {
  const kinds = limit.risks ? `${limit.risks.join(" or ")} ` : "";
  const calls = limit.max === 1 ? "call" : "calls";
  return `${limit.max} ${kinds}${calls} per ${limit.window} ${PER_TEXT[limit.per]}`;
}

/** A wait as a person reads it: `4.2 s`, `45 s`, `12 min`, `3.5 h`. */
export function formatRetry(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${Math.max(s, 0.1).toFixed(1)} s`;
  if (s < 120) return `${Math.ceil(s)} s`;
  if (s < 7_200) return `${Math.ceil(s / 60)} min`;
  return `${(s / 3_600).toFixed(1)} h`;
}
