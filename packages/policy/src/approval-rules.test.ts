import {
  approvalArgumentsHash,
  approvalCondition,
  approvalPolicyConfig,
} from "@portcullis/contracts/approval-policy";
import type { SnapshotGrant, SnapshotPolicy, SnapshotTool } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { compileCondition, describeCondition, evaluateCondition, resolvePath } from "./approval-condition";
import { approvalPreview, compileApprovalRules, requiredApproval } from "./approval-rules";
import { decideToolCall } from "./decide";
import {
  fixtureAgent,
  fixtureGrant,
  fixturePolicy,
  fixtureServer,
  fixtureTool,
} from "./testing/snapshot-fixtures";

const agent = fixtureAgent;
const server = fixtureServer("db");
const tool = (name: string, riskClass: SnapshotTool["riskClass"]) => fixtureTool(server, name, { riskClass });
/** Grants here are the agent's team's unless a test says otherwise. */
const grant = (over: Partial<SnapshotGrant>) => fixtureGrant({ teamId: "team_a", ...over });
const policy = fixturePolicy;

const query = tool("query", "write");
const drop = tool("drop_table", "destructive");
const read = tool("read_rows", "read");

/** The gateway's order: grant decision first, then the approval rules on the arguments. */
function check(
  t: SnapshotTool,
  grants: SnapshotGrant[],
  policies: SnapshotPolicy[],
  args: Record<string, unknown>,
) {
  const decision = decideToolCall({ agent, server, tool: t, grants });
  if (decision.effect === "deny") throw new Error(`denied: ${decision.reason}`);
  return requiredApproval(
    { agent, server, tool: t, decision, grants, rules: compileApprovalRules(policies) },
    args,
  );
}

describe("argument conditions", () => {
  const args = {
    env: "prod",
    sql: "SELECT 1; drop TABLE users",
    force: true,
    limit: 500,
    files: [{ path: "/etc/passwd" }, { path: "/tmp/x", mode: null }],
    target: { cluster: { name: "eu-1" } },
  };
  const holds = (c: unknown) => evaluateCondition(compileCondition(c), args);

  it("equals compares JSON values, including objects, and reports the matching path", () => {
    expect(holds({ path: "env", equals: "prod" })).toEqual({ matched: true, paths: ["env"] });
    expect(holds({ path: "env", equals: "PROD" }).matched).toBe(false);
    expect(holds({ path: "limit", equals: "500" }).matched).toBe(false);
    expect(holds({ path: "target.cluster", equals: { name: "eu-1" } }).matched).toBe(true);
    expect(holds({ path: "files.1.mode", equals: null })).toEqual({ matched: true, paths: ["files.1.mode"] });
  });

  it("in, matches (RE2, flags) and exists", () => {
    expect(holds({ path: "env", in: ["prod", "production"] }).matched).toBe(true);
    expect(holds({ path: "env", in: ["staging"] }).matched).toBe(false);
    expect(holds({ path: "sql", matches: "\\bdrop\\s+table\\b", flags: "i" }).matched).toBe(true);
    expect(holds({ path: "sql", matches: "\\bdrop\\s+table\\b" }).matched).toBe(false);
    expect(holds({ path: "limit", matches: "^[0-9]{3,}$" }).matched).toBe(true);
    expect(holds({ path: "force", exists: true }).matched).toBe(true);
    expect(holds({ path: "dryRun", exists: false }).matched).toBe(true);
    expect(holds({ path: "files.1.mode", exists: true }).matched).toBe(true);
  });

  it("wildcards match any element and name the concrete paths", () => {
    expect(holds({ path: "files.*.path", matches: "^/etc/" })).toEqual({
      matched: true,
      paths: ["files.0.path"],
    });
    expect(holds({ path: "files.*.path", exists: true }).paths).toEqual(["files.0.path", "files.1.path"]);
    expect(holds({ path: "target.*.name", equals: "eu-1" }).matched).toBe(true);
  });

  it("all / any / not combine conditions", () => {
    const prodDrop = {
      all: [
        { path: "env", equals: "prod" },
        { path: "sql", matches: "(?i)drop" },
      ],
    };
    expect(holds(prodDrop)).toEqual({ matched: true, paths: ["env", "sql"] });
    expect(
      holds({
        any: [
          { path: "env", equals: "dev" },
          { path: "force", equals: true },
        ],
      }).paths,
    ).toEqual(["force"]);
    expect(holds({ not: { path: "env", equals: "prod" } }).matched).toBe(false);
    expect(holds({ not: { path: "env", equals: "dev" } })).toEqual({ matched: true, paths: [] });
  });

  it("never follows the prototype chain and treats non-objects as having no paths", () => {
    expect(holds({ path: "env.length", exists: true }).matched).toBe(false);
    expect(holds({ path: "__proto__", exists: true }).matched).toBe(false);
    expect(holds({ path: "constructor.name", exists: true }).matched).toBe(false);
    expect(resolvePath(JSON.parse('{"__proto__": {"x": 1}}'), ["__proto__", "x"])).toEqual([
      { path: "__proto__.x", value: 1 },
    ]);
  });

  it("refuses what is not a condition, with a message naming the problem", () => {
    expect(() => compileCondition({ path: "env" })).toThrow(/invalid argument condition/);
    expect(() => compileCondition({ path: "env", equals: 1, in: [1] })).toThrow(/invalid/);
    expect(() => compileCondition({ path: "sql", matches: "(a)\\1" })).toThrow(/RE2/);
    expect(() => compileCondition({ path: "sql", matches: "(?=x)" })).toThrow(/RE2/);
    expect(() => compileCondition({ path: "sql", matches: "x", flags: "g" })).toThrow(/flags/);
    expect(() => compileCondition({ all: [] })).toThrow();
    expect(() => compileCondition("env == prod")).toThrow();
    expect(approvalCondition.safeParse({ path: "a..b", exists: true }).success).toBe(false);
  });

  it("runs in linear time on inputs crafted against backtracking engines", () => {
    const c = compileCondition({ path: "s", matches: "(a+)+$|.*.*.*x" });
    const started = performance.now();
    expect(evaluateCondition(c, { s: `${"a".repeat(200_000)}!` }).matched).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("reads back in words", () => {
    expect(
      describeCondition({
        all: [
          { path: "env", in: ["prod", "production"] },
          {
            any: [
              { path: "sql", matches: "drop", flags: "i" },
              { path: "force", exists: true },
            ],
          },
        ],
      }),
    ).toBe('env in ["prod", "production"] and (sql matches /drop/i or force is set)');
  });
});

describe("which calls need approval", () => {
  it("a plain allow grant and no approval policy: the call runs", () => {
    expect(check(query, [grant({})], [], { sql: "drop table x" })).toBeNull();
  });

  it("an approve grant holds every call, with its reason and timeout", () => {
    const g = grant({ effect: "approve", reason: "DBA on call must agree", approvalTimeoutSec: 120 });
    expect(check(query, [g], [], {})).toEqual({
      source: { type: "grant", id: g.id, name: null },
      reason: "DBA on call must agree",
      timeoutSec: 120,
      highlights: [],
    });
    expect(check(query, [grant({ effect: "approve" })], [], {})).toMatchObject({
      reason: "calls to 'db__query' require approval",
      timeoutSec: 600,
    });
  });

  it("an approve grant with a condition holds only matching calls; the others run", () => {
    const g = grant({ effect: "approve", condition: { path: "env", in: ["prod"] } });
    expect(check(query, [g], [], { env: "prod" })).toMatchObject({
      source: { id: g.id },
      highlights: ["env"],
    });
    expect(check(query, [g], [], { env: "dev" })).toBeNull();
  });

  it("any matching approve grant holds the call, whichever decide() picked", () => {
    const conditional = grant({
      effect: "approve",
      agentId: "agt_1",
      teamId: null,
      condition: { path: "env", equals: "prod" },
    });
    const always = grant({ effect: "approve", reason: "team rule" });
    expect(check(query, [conditional, always], [], { env: "dev" })).toMatchObject({ reason: "team rule" });
  });

  it("an approve grant whose condition is invalid holds every call (fail closed)", () => {
    const g = grant({ effect: "approve", condition: { path: "env", matches: "(?<=x)" } });
    expect(check(query, [g], [], { env: "dev" })?.reason).toMatch(/condition is invalid: every call waits/);
  });

  it("a deny grant wins before approval is considered", () => {
    expect(() => check(query, [grant({ effect: "approve" }), grant({ effect: "deny" })], [], {})).toThrow(
      /^denied: a deny grant/,
    );
  });

  it("an approval policy on a risk class holds calls to tools of that class only", () => {
    const p = policy({
      riskClasses: ["destructive"],
      reason: "destructive calls need a human",
      timeoutSec: 30,
    });
    expect(check(drop, [grant({})], [p], { table: "users" })).toEqual({
      source: { type: "policy", id: p.id, name: p.name },
      reason: "destructive calls need a human",
      timeoutSec: 30,
      highlights: [],
    });
    expect(check(query, [grant({})], [p], {})).toBeNull();
    expect(check(read, [grant({})], [p], {})).toBeNull();
  });

  it("a policy's `when` narrows it to matching arguments", () => {
    const p = policy({
      riskClasses: ["write", "destructive"],
      when: { path: "env", equals: "prod" },
      reason: "prod",
    });
    expect(check(query, [grant({})], [p], { env: "prod" })?.highlights).toEqual(["env"]);
    expect(check(query, [grant({})], [p], { env: "dev" })).toBeNull();
  });

  it("scope by team, agent, server and tool id; other organizations' policies never apply", () => {
    const base = { reason: "scoped" };
    const scope = (s: Partial<SnapshotPolicy["scope"]>) => ({
      teams: [],
      agents: [],
      servers: [],
      tools: [],
      ...s,
    });
    expect(
      check(query, [grant({})], [policy(base, { scope: scope({ teams: ["team_a"] }) })], {}),
    ).not.toBeNull();
    expect(check(query, [grant({})], [policy(base, { scope: scope({ teams: ["team_b"] }) })], {})).toBeNull();
    expect(check(query, [grant({})], [policy(base, { scope: scope({ agents: ["agt_2"] }) })], {})).toBeNull();
    expect(
      check(query, [grant({})], [policy(base, { scope: scope({ tools: [query.id] }) })], {}),
    ).not.toBeNull();
    expect(check(drop, [grant({})], [policy(base, { scope: scope({ tools: [query.id] }) })], {})).toBeNull();
    expect(
      check(query, [grant({})], [policy(base, { scope: scope({ servers: ["srv_2"] }) })], {}),
    ).toBeNull();
    expect(check(query, [grant({})], [policy(base, { orgId: "org_2" })], {})).toBeNull();
  });

  it("the first policy in priority order that applies gives the reason", () => {
    const late = policy({ reason: "late" }, { priority: 200 });
    const early = policy({ reason: "early", when: { path: "env", equals: "prod" } }, { priority: 10 });
    expect(check(query, [grant({})], [late, early], { env: "prod" })?.reason).toBe("early");
    expect(check(query, [grant({})], [late, early], { env: "dev" })?.reason).toBe("late");
  });

  it("skips an invalid policy and says why, keeping the valid ones", () => {
    const bad = policy({ riskClasses: ["nuclear"], reason: "x" });
    const good = policy({ reason: "good" });
    const rules = compileApprovalRules([bad, good, { ...policy({}), kind: "dlp" }]);
    expect(rules.skipped).toEqual([
      { id: bad.id, name: bad.name, problem: expect.stringMatching(/^riskClasses\.0: /) },
    ]);
    expect(rules.rules.map((r) => r.reason)).toEqual(["good"]);
    expect(approvalPolicyConfig.safeParse({ reason: "" }).success).toBe(false);
  });
});

describe("console preview", () => {
  const preview = (t: SnapshotTool, grants: SnapshotGrant[], policies: SnapshotPolicy[]) => {
    const decision = decideToolCall({ agent, server, tool: t, grants });
    if (decision.effect === "deny") throw new Error("denied");
    return approvalPreview({
      agent,
      server,
      tool: t,
      decision,
      grants,
      rules: compileApprovalRules(policies),
    });
  };

  it("says always, conditional or never, agreeing with the per-call answer", () => {
    expect(preview(query, [grant({})], [])).toEqual({ mode: "never" });
    expect(preview(query, [grant({ effect: "approve" })], [])).toMatchObject({ mode: "always" });
    const conditional = grant({ effect: "approve", condition: { path: "env", equals: "prod" } });
    expect(preview(query, [conditional], [])).toMatchObject({
      mode: "conditional",
      source: { id: conditional.id },
    });
    const p = policy({ riskClasses: ["destructive"], reason: "destructive" });
    expect(preview(drop, [conditional], [p])).toMatchObject({ mode: "always", reason: "destructive" });
    expect(preview(read, [grant({})], [p])).toEqual({ mode: "never" });
  });
});

describe("argument hash", () => {
  it("is the same for the same arguments in any key order, and differs for any change", async () => {
    const a = await approvalArgumentsHash({ b: 1, a: { y: [1, { q: 2, p: 1 }], x: null } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await approvalArgumentsHash({ a: { x: null, y: [1, { p: 1, q: 2 }] }, b: 1 })).toBe(a);
    expect(await approvalArgumentsHash({ a: { x: null, y: [1, { p: 1, q: 3 }] }, b: 1 })).not.toBe(a);
    expect(await approvalArgumentsHash({ a: { x: null, y: [{ p: 1, q: 2 }, 1] }, b: 1 })).not.toBe(a);
    expect(await approvalArgumentsHash(JSON.parse('{"__proto__": {"x": 1}}'))).not.toBe(
      await approvalArgumentsHash({}),
    );
  });
});
