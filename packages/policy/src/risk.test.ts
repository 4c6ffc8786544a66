import { describe, expect, it } from "vitest";
import { effectiveRisk, riskFromAnnotations } from "./risk";

describe("risk class from annotations", () => {
  it("follows the MCP defaults, erring towards risk", () => {
    expect(riskFromAnnotations({ readOnlyHint: true })).toBe("read");
    expect(riskFromAnnotations({ readOnlyHint: false, destructiveHint: false })).toBe("write");
    expect(riskFromAnnotations({ destructiveHint: true })).toBe("destructive");
    expect(riskFromAnnotations(undefined)).toBe("destructive");
    expect(riskFromAnnotations({})).toBe("destructive");
  });

  it("lets an admin override win", () => {
    expect(effectiveRisk("destructive", "read")).toBe("read");
    expect(effectiveRisk("write", null)).toBe("write");
  });
});
