import { dlpPolicyConfig } from "@portcullis/contracts/dlp-policy";
import type { SnapshotPolicy } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { compileDlpPolicies } from "./dlp/compile-dlp-policies";
import { scanArguments } from "./dlp/scan-payload";
import { linearRegExpEngine } from "./linear-regex";

const policy = (custom: Array<{ name: string; pattern: string }>): SnapshotPolicy => ({
  id: "pol_1",
  orgId: "org_1",
  name: "custom",
  kind: "dlp",
  priority: 1,
  scope: { teams: [], agents: [], servers: [], tools: [] },
  config: { custom, action: "block" },
});
const rulesFor = (p: SnapshotPolicy) => {
  const compiled = compileDlpPolicies([p]);
  expect(compiled.skipped).toEqual([]);
  return compiled.forCall({
    orgId: "org_1",
    teamId: "t",
    agentId: "a",
    serverId: "s",
    toolId: "x",
    toolName: "s__x",
  }).arguments!;
};

describe("custom DLP patterns on a linear-time engine", () => {
  // On a backtracking engine `(x+x+)+y` over 5,000 x's never finishes; RE2 answers at once.
  it("scans a catastrophic pattern over hostile input to the end", () => {
    const rules = rulesFor(policy([{ name: "evil", pattern: "(x+x+)+y" }]));
    expect(scanArguments(rules, { body: "x".repeat(5_000) }).findings).toEqual([]);
    const hit = scanArguments(rules, { body: `${"x".repeat(5_000)}y` });
    expect(hit.findings.map((f) => [f.detector, f.path])).toEqual([["evil", "$.arguments.body"]]);
    expect(hit.masked).toEqual({ body: "[REDACTED:evil]" });
  });

  it("keeps finding every match with its offsets", () => {
    const rules = rulesFor(policy([{ name: "employee-id", pattern: "EMP-\\d{6}" }]));
    const out = scanArguments(rules, { note: "ids EMP-123456 and EMP-654321, not EMP-12" });
    expect(out.masked).toEqual({ note: "ids [REDACTED:employee-id] and [REDACTED:employee-id], not EMP-12" });
  });

  it("refuses what only a backtracking engine accepts, saying why", () => {
    for (const pattern of ["(a)\\1", "(?<=user=)\\w+", "foo(?!bar)"]) {
      const parsed = dlpPolicyConfig.safeParse({ custom: [{ name: "x", pattern }], action: "log" });
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0]!.message).toMatch(/^not a valid regular expression \(RE2 syntax/);
    }
  });
});

describe("linearRegExpEngine (Ajv)", () => {
  it("answers a catastrophic schema pattern", () => {
    const re = linearRegExpEngine("^(a|aa)+$", "u");
    expect(re.test(`${"a".repeat(100)}b`)).toBe(false);
    expect(re.test("a".repeat(100))).toBe(true);
  });
});
