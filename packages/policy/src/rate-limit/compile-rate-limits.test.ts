import { redisNames } from "@portcullis/contracts/redis-keys";
import type {
  SnapshotAgent,
  SnapshotPolicy,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { riskFromAnnotations } from "../risk";
import { fixtureAgent, fixturePolicy, fixtureServer, fixtureTool } from "../testing/snapshot-fixtures";
import { compileRateLimits } from "./compile-rate-limits";
import { formatRetry } from "./describe-limit";

const names = redisNames("pc-test");

/** One server `alpha` with a read tool `echo` and a destructive `wipe`; alice in team platform, bob in data. */
function fixture() {
  const teams = new Map([
    ["platform", fixtureAgent.teamId],
    ["data", "team_b"],
  ]);
  const policies: SnapshotPolicy[] = [];
  const b = {
    team: (name: string) => teams.get(name)!,
    policy(
      kind: SnapshotPolicy["kind"],
      config: Record<string, unknown>,
      scope: Partial<SnapshotPolicy["scope"]> = {},
    ) {
      const policy = fixturePolicy(config, {
        kind,
        name: `${kind}-${policies.length + 1}`,
        scope: { teams: [], agents: [], servers: [], tools: [], ...scope },
      });
      policies.push(policy);
      return policy;
    },
  };
  const server = fixtureServer("alpha");
  const tools = [
    fixtureTool(server, "echo", { riskClass: riskFromAnnotations({ readOnlyHint: true }) }),
    fixtureTool(server, "wipe", { riskClass: riskFromAnnotations(null) }),
  ];
  const alice: SnapshotAgent = { ...fixtureAgent, id: "agt_alice", name: "alice" };
  const bob: SnapshotAgent = {
    ...fixtureAgent,
    id: "agt_bob",
    name: "bob",
    teamId: b.team("data"),
    teamName: "data",
  };
  const doc = () => ({ policies });
  const tool = (name: string): SnapshotTool => tools.find((t) => t.upstreamName === name)!;
  return { b, server, alice, bob, doc, tool };
}

function plan(
  f: ReturnType<typeof fixture>,
  agent: SnapshotAgent,
  toolName: string,
  server: SnapshotServer = f.server,
) {
  return compileRateLimits(f.doc().policies, names).planFor(agent, server, f.tool(toolName));
}

describe("compileRateLimits", () => {
  it("plans nothing for a call no policy covers, so the call never reaches Redis", () => {
    const f = fixture();
    f.b.policy(
      "rate_limit",
      { limits: [{ per: "agent", window: "minute", max: 5 }] },
      { teams: [f.b.team("data")] },
    );
    f.b.policy("rate_limit", {
      limits: [{ per: "agent", window: "minute", max: 1, appliesToRisk: ["destructive"] }],
    });
    expect(plan(f, f.alice, "echo")).toBeNull();
    expect(plan(f, f.alice, "wipe")?.limits.map((l) => l.limit.text)).toEqual([
      "1 destructive call per minute per agent",
    ]);
    expect(plan(f, f.bob, "echo")?.limits.map((l) => l.limit.text)).toEqual(["5 calls per minute per agent"]);
  });

  it("keys each counter by policy, limit and the subject the limit is counted per", () => {
    const f = fixture();
    const p = f.b.policy("rate_limit", {
      limits: [
        { per: "agent", window: "second", max: 5 },
        { per: "team", window: "day", max: 500 },
        { per: "agent+tool", window: "hour", max: 50 },
        { per: "server", window: "minute", max: 100 },
      ],
    });
    const echo = f.tool("echo");
    const got = plan(f, f.alice, "echo")!;
    expect(got.keys).toEqual([
      `pc-test:rl:${p.id}:agent:second:all:${f.alice.id}`,
      `pc-test:rl:${p.id}:team:day:all:${f.alice.teamId}`,
      `pc-test:rl:${p.id}:agent+tool:hour:all:${f.alice.id}:${echo.id}`,
      `pc-test:rl:${p.id}:server:minute:all:${f.server.id}`,
    ]);
    expect(got.args).toEqual([
      "s",
      "1000",
      "5",
      "d",
      "86400000",
      "500",
      "s",
      "3600000",
      "50",
      "s",
      "60000",
      "100",
    ]);
    // Bob shares the server counter only.
    const bobKeys = plan(f, f.bob, "echo")!.keys;
    expect(bobKeys.filter((k) => got.keys.includes(k))).toEqual([
      `pc-test:rl:${p.id}:server:minute:all:${f.server.id}`,
    ]);
  });

  it("ignores policies of other organizations", () => {
    const f = fixture();
    const other = f.b.policy("rate_limit", { limits: [{ per: "agent", window: "minute", max: 1 }] });
    other.orgId = "org_someone_else";
    expect(plan(f, f.alice, "echo")).toBeNull();
  });

  it("skips an invalid policy whole and reports why", () => {
    const f = fixture();
    f.b.policy("rate_limit", { limits: [{ per: "planet", window: "minute", max: 1 }] });
    f.b.policy("rate_limit", {
      limits: [
        { per: "agent", window: "minute", max: 1 },
        { per: "agent", window: "minute", max: 2 },
      ],
    });
    const compiled = compileRateLimits(f.doc().policies, names);
    expect(compiled.policies).toHaveLength(0);
    expect(compiled.skipped.map((s) => s.problem)).toEqual([
      expect.stringContaining("limits.0.per"),
      expect.stringContaining("same per, window and risk classes as limits[0]"),
    ]);
  });

  it("lets a limit's risk classes override the policy's default", () => {
    const f = fixture();
    f.b.policy("rate_limit", {
      appliesToRisk: ["write", "destructive"],
      limits: [
        { per: "agent", window: "minute", max: 10 },
        { per: "agent", window: "minute", max: 100, appliesToRisk: ["read"] },
      ],
    });
    expect(plan(f, f.alice, "echo")?.limits.map((l) => l.limit.text)).toEqual([
      "100 read calls per minute per agent",
    ]);
    expect(plan(f, f.alice, "wipe")?.limits.map((l) => l.limit.text)).toEqual([
      "10 write or destructive calls per minute per agent",
    ]);
  });
});

describe("formatRetry", () => {
  it("reads like a person would say it", () => {
    expect(formatRetry(4_160)).toBe("4.2 s");
    expect(formatRetry(1)).toBe("0.1 s");
    expect(formatRetry(45_001)).toBe("46 s");
    expect(formatRetry(11 * 60_000 + 1)).toBe("12 min");
    expect(formatRetry(3.5 * 3_600_000)).toBe("3.5 h");
  });
});
