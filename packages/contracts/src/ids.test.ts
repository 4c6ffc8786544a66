import { describe, expect, it } from "vitest";
import { newId, randomToken } from "./ids";

describe("randomToken", () => {
  it("draws fresh base62 characters for every token, across many random blocks", () => {
    // 5,000 tokens of 20 characters use well over 25 blocks of buffered random bytes.
    const tokens = Array.from({ length: 5_000 }, () => randomToken(20));
    for (const token of tokens) expect(token).toMatch(/^[0-9a-zA-Z]{20}$/);
    // A byte handed out twice (or a block not refilled) would repeat tokens.
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it("spreads characters evenly over the alphabet", () => {
    const counts = new Map<string, number>();
    const sample = randomToken(62 * 2_000);
    for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 2,000 each; a biased modulo or a stuck byte would push some far off.
    for (const n of counts.values()) expect(n).toBeGreaterThan(1_700);
    for (const n of counts.values()) expect(n).toBeLessThan(2_300);
  });

  it("prefixes ids with their kind", () => {
    expect(newId("request")).toMatch(/^req_[0-9a-zA-Z]{20}$/);
    expect(newId("auditEvent")).toMatch(/^evt_[0-9a-zA-Z]{20}$/);
  });
});
