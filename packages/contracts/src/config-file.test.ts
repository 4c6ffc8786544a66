import { describe, expect, it } from "vitest";
import { configFile } from "./config-file";

const grant = (extra: Record<string, unknown>) =>
  configFile.safeParse({ grants: [{ agent: "deploy-bot", server: "ops", tools: ["deploy"], ...extra }] });

describe("configGrant.condition", () => {
  it("accepts a condition on an approve grant", () => {
    const parsed = grant({ effect: "approve", condition: { path: "env", in: ["prod"] } });
    expect(parsed.success && parsed.data.grants[0]!.condition).toEqual({ path: "env", in: ["prod"] });
  });

  it("refuses one on allow (the default) and deny grants, at grants[0].condition", () => {
    for (const effect of [undefined, "allow", "deny"]) {
      const parsed = grant({ ...(effect && { effect }), condition: { path: "env", in: ["prod"] } });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues).toEqual([
        expect.objectContaining({
          path: ["grants", 0, "condition"],
          message: expect.stringMatching(/^a condition only applies to grants with effect approve/),
        }),
      ]);
    }
  });

  it("refuses a malformed condition with the path of the bad part", () => {
    const parsed = grant({ effect: "approve", condition: { all: [{ path: "env", in: [] }] } });
    expect(parsed.error?.issues.map((i) => i.path)).toEqual([["grants", 0, "condition", "all", 0, "in"]]);
  });
});
