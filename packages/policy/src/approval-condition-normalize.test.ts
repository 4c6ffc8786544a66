import { approvalCondition } from "@portcullis/contracts/approval-policy";
import { describe, expect, it } from "vitest";
import { compileCondition, describeCondition, evaluateCondition } from "./approval-condition";
import { conditionComparisons, withNormalization } from "./condition-normalization";
import { summarizeCondition } from "./condition-summary";

// Issue #10 point 10: an agent chooses its arguments, so "Prod " must not slip past
// `in: [prod]` unnoticed. Normalization is explicit; without it strings compare exactly.

const matches = (condition: unknown, args: unknown) =>
  evaluateCondition(compileCondition(condition), args).matched;

describe("argument condition normalization", () => {
  it("compares exactly without normalize, as conditions always did", () => {
    const exact = { path: "env", in: ["prod"] };
    expect(matches(exact, { env: "prod" })).toBe(true);
    expect(matches(exact, { env: "Prod " })).toBe(false);
    expect(matches({ path: "env", equals: "prod" }, { env: "PROD" })).toBe(false);
  });

  it("with trim and ignore-case, catches spaced and re-cased values in `in` and `equals`", () => {
    const careful = { path: "env", in: ["prod", "Production"], normalize: ["trim", "ignore-case"] };
    for (const env of ["prod", "Prod ", " PROD", "\tproduction\n", "PRODUCTION\u00a0"]) {
      expect(matches(careful, { env }), JSON.stringify(env)).toBe(true);
    }
    expect(matches(careful, { env: "staging" })).toBe(false);
    expect(matches(careful, { env: "pro d" })).toBe(false);
    expect(
      matches(
        { path: "targets.*.env", equals: "prod", normalize: ["ignore-case"] },
        { targets: [{ env: "dev" }, { env: "PROD" }] },
      ),
    ).toBe(true);
    expect(
      matches({ path: "target", equals: { env: "prod" }, normalize: ["trim"] }, { target: { env: " prod" } }),
    ).toBe(true);
  });

  it("applies only the normalization chosen", () => {
    expect(matches({ path: "env", in: ["prod"], normalize: ["trim"] }, { env: " prod " })).toBe(true);
    expect(matches({ path: "env", in: ["prod"], normalize: ["trim"] }, { env: "Prod" })).toBe(false);
    expect(matches({ path: "env", in: ["prod"], normalize: ["ignore-case"] }, { env: "PROD" })).toBe(true);
    expect(matches({ path: "env", in: ["prod"], normalize: ["ignore-case"] }, { env: "prod " })).toBe(false);
  });

  it("trims before an anchored regex and makes it case-insensitive", () => {
    const anchored = { path: "branch", matches: "^main$" };
    expect(matches(anchored, { branch: " Main " })).toBe(false);
    expect(matches({ ...anchored, normalize: ["trim", "ignore-case"] }, { branch: " Main " })).toBe(true);
  });

  it("leaves numbers, booleans and null alone", () => {
    const c = { path: "n", in: [1, true, null], normalize: ["trim", "ignore-case"] };
    expect(matches(c, { n: 1 })).toBe(true);
    expect(matches(c, { n: "1" })).toBe(false);
    expect(matches(c, { n: null })).toBe(true);
  });

  it("refuses unknown or repeated normalizations, and normalize on exists", () => {
    expect(approvalCondition.safeParse({ path: "env", in: ["prod"], normalize: ["lowercase"] }).success).toBe(
      false,
    );
    expect(
      approvalCondition.safeParse({ path: "env", in: ["prod"], normalize: ["trim", "trim"] }).success,
    ).toBe(false);
    expect(approvalCondition.safeParse({ path: "env", in: ["prod"], normalize: [] }).success).toBe(false);
    expect(approvalCondition.safeParse({ path: "env", exists: true, normalize: ["trim"] }).success).toBe(
      false,
    );
  });

  it("says which comparison applies in words", () => {
    const careful = { path: "env", in: ["prod"], normalize: ["trim", "ignore-case"] };
    expect(summarizeCondition(careful)).toBe('env is "prod" (ignoring case and surrounding spaces)');
    expect(summarizeCondition({ path: "env", equals: "prod", normalize: ["trim"] })).toBe(
      'env is "prod" (ignoring surrounding spaces)',
    );
    expect(describeCondition({ path: "env", in: ["prod"], normalize: ["ignore-case"] })).toBe(
      'env in ["prod"] (ignoring case)',
    );
    expect(summarizeCondition({ path: "env", in: ["prod"] })).toBe('env is "prod"');
  });
});

describe("conditionComparisons and withNormalization (the console's view and switch)", () => {
  const condition = {
    all: [
      { path: "env", in: ["prod"] },
      { not: { path: "dry_run", equals: true } },
      { path: "force", exists: true },
    ],
  };

  it("lists each comparison with the rule that applies", () => {
    expect(conditionComparisons(condition)).toEqual([
      { path: "env", kind: "in", how: "exactly (case and surrounding spaces count)", normalize: [] },
      { path: "dry_run", kind: "equals", how: "exactly (case and surrounding spaces count)", normalize: [] },
    ]);
  });

  it("sets and removes normalization on every comparison, and the result parses", () => {
    const careful = withNormalization(condition, ["trim", "ignore-case"]);
    expect(approvalCondition.parse(careful)).toEqual(careful);
    expect(conditionComparisons(careful).map((c) => c.how)).toEqual([
      "ignoring case and surrounding spaces",
      "ignoring case and surrounding spaces",
    ]);
    expect(matches(careful, { env: "Prod ", force: 1 })).toBe(true);
    expect(withNormalization(careful, undefined)).toEqual(condition);
  });
});
