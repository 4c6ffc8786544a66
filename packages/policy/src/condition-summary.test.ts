import { describe, expect, it } from "vitest";
import { summarizeCondition } from "./condition-summary";

describe("summarizeCondition", () => {
  it("says each matcher in words", () => {
    expect(summarizeCondition({ path: "env", in: ["prod", "production"] })).toBe(
      'env is one of "prod", "production"',
    );
    expect(summarizeCondition({ path: "env", in: ["prod"] })).toBe('env is "prod"');
    expect(summarizeCondition({ path: "target.replicas", equals: 0 })).toBe("target.replicas is 0");
    expect(summarizeCondition({ path: "cmd", matches: "^rm ", flags: "i" })).toBe("cmd matches /^rm /i");
    expect(summarizeCondition({ path: "force", exists: true })).toBe("force is present");
    expect(summarizeCondition({ path: "dry_run", exists: false })).toBe("dry_run is absent");
  });

  it("groups all / any / not so that the words keep the meaning", () => {
    expect(
      summarizeCondition({
        all: [
          { path: "env", equals: "prod" },
          {
            any: [
              { path: "force", exists: true },
              { path: "files.*.path", matches: "^/etc" },
            ],
          },
        ],
      }),
    ).toBe('env is "prod" and (force is present or files.*.path matches /^/etc/)');
    expect(summarizeCondition({ not: { path: "dry_run", equals: true } })).toBe("not (dry_run is true)");
    expect(summarizeCondition({ any: [{ path: "a", exists: true }] })).toBe("a is present");
  });

  it("says an invalid condition holds every call, and cuts long summaries", () => {
    expect(summarizeCondition({ path: "env", in: [] })).toBe("an invalid condition (every call waits)");
    const long = summarizeCondition({ path: "env", in: Array.from({ length: 80 }, (_, i) => `env-${i}`) });
    expect(long).toHaveLength(240);
    expect(long.endsWith("…")).toBe(true);
  });
});
