import { redisNames } from "@portcullis/contracts/redis-keys";
import type { SnapshotGrant, SnapshotServer } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { visibleServers } from "./agent-view";
import { compileApprovalRules } from "./approval-rules";
import { describeConfigProblems } from "./config-problems";
import { compileDlpPolicies } from "./dlp/compile-dlp-policies";
import { grantAppliesTo, grantCoversTool, grantNames } from "./grant-match";
import { compileScope, scopeCovers, scopedCall } from "./policy-scope";
import { compileRateLimits } from "./rate-limit/compile-rate-limits";
import {
  fixtureAgent,
  fixtureGrant,
  fixturePolicy,
  fixtureServer,
  fixtureTool,
} from "./testing/snapshot-fixtures";

const server = fixtureServer("files");
const tool = fixtureTool(server, "read-file");
const agent = fixtureAgent;

describe("grantAppliesTo / grantCoversTool", () => {
  it("names the agent itself, or its team when the grant names no agent, in its organization", () => {
    expect(grantAppliesTo(fixtureGrant({ agentId: agent.id }), agent)).toBe(true);
    expect(grantAppliesTo(fixtureGrant({ teamId: agent.teamId }), agent)).toBe(true);
    expect(grantAppliesTo(fixtureGrant({ teamId: "team_other" }), agent)).toBe(false);
    // An agent grant for someone else does not fall back to the team.
    expect(grantAppliesTo(fixtureGrant({ agentId: "agt_other", teamId: agent.teamId }), agent)).toBe(false);
    expect(grantAppliesTo(fixtureGrant({ agentId: agent.id, orgId: "org_other" }), agent)).toBe(false);
  });

  it("names a team's grants for the team and its agents, an agent's grants for that agent only", () => {
    const teamGrant = { agentId: null, teamId: "team_a" };
    const agentGrant = { agentId: "agt_1", teamId: null };
    expect(grantNames(teamGrant, { id: null, teamId: "team_a" })).toBe(true);
    expect(grantNames(teamGrant, { id: "agt_1", teamId: "team_a" })).toBe(true);
    expect(grantNames(agentGrant, { id: "agt_1", teamId: "team_a" })).toBe(true);
    // The team's row in the console is not governed by its agents' own grants.
    expect(grantNames(agentGrant, { id: null, teamId: "team_a" })).toBe(false);
    expect(grantNames(teamGrant, { id: "agt_2", teamId: "team_b" })).toBe(false);
  });

  it("covers a tool of its server whose upstream name the pattern matches", () => {
    expect(grantCoversTool(fixtureGrant({ toolPattern: "read-*" }), tool)).toBe(true);
    expect(grantCoversTool(fixtureGrant({ toolPattern: "write-*" }), tool)).toBe(false);
    expect(grantCoversTool(fixtureGrant({ serverId: "srv_2" }), tool)).toBe(false);
  });
});

describe("visibleServers", () => {
  const other: SnapshotServer = { ...fixtureServer("alpha"), id: "srv_2" };
  const off: SnapshotServer = { ...fixtureServer("off"), id: "srv_3", status: "disabled" };
  const servers = new Map([server, other, off].map((s) => [s.id, s]));
  const byServer = (grants: SnapshotGrant[]) => {
    const map = new Map<string, SnapshotGrant[]>();
    for (const g of grants) map.set(g.serverId, [...(map.get(g.serverId) ?? []), g]);
    return map;
  };

  it("lists active servers the agent holds a non-deny grant on, by name", () => {
    const grants = byServer([
      fixtureGrant({ teamId: agent.teamId, toolPattern: "read-*" }),
      fixtureGrant({ agentId: agent.id, serverId: "srv_2", effect: "approve" }),
      fixtureGrant({ agentId: agent.id, serverId: "srv_3" }),
    ]);
    expect(visibleServers(agent, servers, grants).map((s) => s.name)).toEqual(["alpha", "files"]);
  });

  it("leaves out servers with only deny grants, or only other agents' grants", () => {
    const grants = byServer([
      fixtureGrant({ teamId: agent.teamId, effect: "deny" }),
      fixtureGrant({ agentId: "agt_other", serverId: "srv_2" }),
    ]);
    expect(visibleServers(agent, servers, grants)).toEqual([]);
  });
});

describe("one scope rule for DLP, rate-limit and approval policies", () => {
  const call = scopedCall(agent, server, tool);

  it("matches by organization, team, agent, server and tool id or exposed name", () => {
    const scoped = (scope: Partial<Record<"teams" | "agents" | "servers" | "tools", string[]>>) =>
      scopeCovers(
        compileScope({ orgId: "org_1", scope: { teams: [], agents: [], servers: [], tools: [], ...scope } }),
        call,
      );
    expect(scoped({})).toBe(true);
    expect(scoped({ teams: [agent.teamId], servers: [server.id] })).toBe(true);
    expect(scoped({ tools: [tool.id] })).toBe(true);
    expect(scoped({ tools: [tool.exposedName] })).toBe(true);
    expect(scoped({ tools: ["files__other"] })).toBe(false);
    expect(scoped({ agents: ["agt_other"] })).toBe(false);
    expect(
      scopeCovers(
        compileScope({ orgId: "org_2", scope: { teams: [], agents: [], servers: [], tools: [] } }),
        call,
      ),
    ).toBe(false);
  });

  it("is the scope every policy kind applies: a tool named by exposed name is covered by all three", () => {
    const scope = { teams: [], agents: [], servers: [], tools: [tool.exposedName] };
    const approval = fixturePolicy({ reason: "held" }, { scope });
    const dlp = fixturePolicy({ detectors: "all", direction: "both", action: "log" }, { kind: "dlp", scope });
    const limit = fixturePolicy(
      { limits: [{ per: "agent", window: "minute", max: 1 }] },
      { kind: "rate_limit", scope },
    );
    expect(
      compileApprovalRules([approval])
        .rulesFor(agent, server, tool)
        .map((r) => r.reason),
    ).toEqual(["held"]);
    expect(compileDlpPolicies([dlp]).forCall(call).arguments).not.toBeNull();
    expect(compileRateLimits([limit], redisNames("t")).planFor(agent, server, tool)).not.toBeNull();
  });
});

describe("describeConfigProblems", () => {
  it("names every issue by path, the root as config", () => {
    expect(
      describeConfigProblems({
        issues: [
          { path: ["limits", 0, "per"], message: "invalid option" },
          { path: [], message: "too many keys" },
        ],
      }),
    ).toBe("limits.0.per: invalid option; config: too many keys");
  });
});
