import type { SnapshotTool } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { validateArguments } from "./validate-arguments";

const tool = (id: string, inputSchema: Record<string, unknown>): SnapshotTool => ({
  id,
  serverId: "srv_1",
  upstreamName: "lookup",
  exposedName: "files__lookup",
  title: null,
  description: null,
  inputSchema,
  outputSchema: null,
  annotations: null,
  riskClass: "read",
  status: "active",
  definitionHash: id,
});

describe("validateArguments with upstream schema patterns", () => {
  // `^(a|aa)+$` over 60 a's and a b takes a backtracking engine ~10^12 steps.
  it("rejects input against a catastrophic pattern without hanging", () => {
    const t = tool("tool_redos", {
      type: "object",
      properties: { name: { type: "string", pattern: "^(a|aa)+$" } },
      patternProperties: { "^(x+x+)+y$": { type: "number" } },
    });
    expect(() => validateArguments(t, { name: `${"a".repeat(60)}b` })).toThrow(/name must match pattern/);
    expect(() => validateArguments(t, { [`${"x".repeat(5_000)}y`]: "no" })).toThrow(/must be number/);
    expect(validateArguments(t, { name: "aaaa", [`${"x".repeat(5_000)}`]: "free" })).toEqual({
      name: "aaaa",
      [`${"x".repeat(5_000)}`]: "free",
    });
  });

  it("refuses calls to a tool whose schema pattern is not RE2, with the reason", () => {
    const t = tool("tool_backref", {
      type: "object",
      properties: { s: { type: "string", pattern: "(a)\\1" } },
    });
    expect(() => validateArguments(t, { s: "aa" })).toThrow(
      /has an input schema that cannot be compiled: not a valid RE2 regular expression/,
    );
  });
});
