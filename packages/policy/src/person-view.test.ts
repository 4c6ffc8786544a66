import type { SnapshotGrant, SnapshotItemGrant, SnapshotPerson } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { compileApprovalRules, requiredApproval } from "./approval-rules";
import { decidingGrant } from "./grant-precedence";
import {
  approvingTeams,
  decidePersonItemAccess,
  decidePersonToolCall,
  personPrincipal,
  personView,
} from "./person-view";
import { personSubject } from "./policy-subject";
import { fixtureGrant, fixturePolicy, fixtureServer, fixtureTool } from "./testing/snapshot-fixtures";

const alice: SnapshotPerson = {
  id: "usr_alice",
  orgId: "org_1",
  email: "alice@example.com",
  name: "Alice",
  teamIds: ["team_a", "team_b"],
  status: "active",
};
const server = fixtureServer("github");
const read = fixtureTool(server, "read_file");
const del = fixtureTool(server, "delete_repo", { riskClass: "destructive" });
const push = fixtureTool(server, "push", { riskClass: "write" });
const decide = (tool: typeof read, grants: SnapshotGrant[], person = alice) =>
  decidePersonToolCall({ person, server, tool, grants });

describe("decidePersonToolCall", () => {
  it("denies by default, and ignores grants of other people, agents and teams", () => {
    const grants = [
      fixtureGrant({ userId: "usr_bob" }),
      fixtureGrant({ agentId: "agt_1" }),
      fixtureGrant({ teamId: "team_z" }),
    ];
    const decision = decide(read, grants);
    expect(decision).toMatchObject({ effect: "deny", grantId: null });
    expect(decision.effect === "deny" && decision.reason).toContain("person 'alice@example.com'");
  });

  it("unions the person's own grants with every team's", () => {
    const own = fixtureGrant({ userId: "usr_alice", toolPattern: "push" });
    const teamB = fixtureGrant({ teamId: "team_b", toolPattern: "read_*" });
    expect(decide(push, [own, teamB])).toEqual({ effect: "allow", grantId: own.id });
    expect(decide(read, [own, teamB])).toEqual({ effect: "allow", grantId: teamB.id });
    expect(decide(del, [own, teamB]).effect).toBe("deny");
  });

  it("lets the most restrictive grant win whichever subject it names: deny, then approve, then allow", () => {
    const allowAll = fixtureGrant({ userId: "usr_alice" });
    const approveDelete = fixtureGrant({ teamId: "team_a", toolPattern: "delete_*", effect: "approve" });
    const denyPush = fixtureGrant({
      teamId: "team_b",
      toolPattern: "push",
      effect: "deny",
      reason: "no pushes",
    });
    const grants = [allowAll, approveDelete, denyPush];
    expect(decide(read, grants)).toEqual({ effect: "allow", grantId: allowAll.id });
    expect(decide(del, grants)).toMatchObject({ effect: "approve", grantId: approveDelete.id });
    // A team's deny is not lifted by the person's own allow.
    expect(decide(push, grants)).toEqual({ effect: "deny", grantId: denyPush.id, reason: "no pushes" });
    // A deny naming the person wins over a team's allow just the same.
    const denyOwn = fixtureGrant({ userId: "usr_alice", toolPattern: "read_file", effect: "deny" });
    const teamAllow = fixtureGrant({ teamId: "team_a" });
    expect(decide(read, [teamAllow, denyOwn])).toMatchObject({ effect: "deny", grantId: denyOwn.id });
  });

  it("agrees with decidingGrant, the precedence the console's access views use", () => {
    const grants = [
      fixtureGrant({ userId: "usr_alice", toolPattern: "delete_*", effect: "approve" }),
      fixtureGrant({ teamId: "team_b" }),
    ];
    for (const tool of [read, del, push]) {
      const expected = decidingGrant(personPrincipal(alice), server.id, tool.upstreamName, grants);
      expect(decide(tool, grants).grantId).toBe(expected?.id ?? null);
    }
  });

  it("denies a suspended person, a person of another organization, a disabled server or tool", () => {
    const grants = [fixtureGrant({ userId: "usr_alice" })];
    expect(decide(read, grants, { ...alice, status: "suspended" })).toMatchObject({
      effect: "deny",
      reason: "person 'alice@example.com' is suspended",
    });
    expect(decide(read, grants, { ...alice, orgId: "org_2" }).effect).toBe("deny");
    expect(
      decidePersonToolCall({ person: alice, server: { ...server, status: "disabled" }, tool: read, grants })
        .effect,
    ).toBe("deny");
    expect(decide({ ...read, status: "quarantined" }, grants).effect).toBe("deny");
  });
});

describe("personView", () => {
  it("lists every tool not denied, and the servers a non-deny grant reaches", () => {
    const other = { ...fixtureServer("jira"), id: "srv_2" };
    const grants = [
      fixtureGrant({ teamId: "team_a", toolPattern: "*" }),
      fixtureGrant({ userId: "usr_alice", toolPattern: "delete_repo", effect: "deny" }),
      fixtureGrant({ userId: "usr_alice", serverId: "srv_2", toolPattern: "nothing", effect: "deny" }),
    ];
    const byServer = new Map([
      ["srv_1", grants.slice(0, 2)],
      ["srv_2", grants.slice(2)],
    ]);
    const view = personView(
      alice,
      [read, del, push, fixtureTool(other, "search")],
      new Map([
        [server.id, server],
        [other.id, other],
      ]),
      byServer,
    );
    expect(view.tools.map((v) => v.tool.upstreamName).sort()).toEqual(["push", "read_file"]);
    expect(view.byExposedName.has("github__push")).toBe(true);
    expect(view.grantedServers.map((s) => s.name)).toEqual(["github"]);
  });
});

describe("decidePersonItemAccess", () => {
  const item = (over: Partial<SnapshotItemGrant>): SnapshotItemGrant => ({
    id: `ig_${Math.random()}`,
    orgId: "org_1",
    teamId: null,
    agentId: null,
    userId: null,
    serverId: "srv_1",
    pattern: "*",
    effect: "allow",
    reason: null,
    ...over,
  });

  it("allows through the person's or a team's grant, and deny wins", () => {
    const own = item({ userId: "usr_alice", pattern: "docs://mine/*" });
    const teamDeny = item({ teamId: "team_b", pattern: "docs://mine/secret", effect: "deny" });
    const grants = [own, teamDeny, item({ userId: "usr_bob" })];
    expect(decidePersonItemAccess("resource", alice, server, "docs://mine/a", grants)).toEqual({
      effect: "allow",
      grantId: own.id,
    });
    expect(decidePersonItemAccess("resource", alice, server, "docs://mine/secret", grants)).toMatchObject({
      effect: "deny",
      grantId: teamDeny.id,
    });
    expect(decidePersonItemAccess("resource", alice, server, "docs://theirs", grants)).toMatchObject({
      effect: "deny",
      grantId: null,
    });
  });
});

describe("approvingTeams", () => {
  const scope = (teams: string[], users: string[] = []) => ({
    teams,
    agents: [],
    servers: [],
    tools: [],
    users,
  });
  /** Which teams decide alice's call to `tool`, held as the gateway holds it. */
  const deciders = (
    tool: typeof read,
    grants: SnapshotGrant[],
    policies = [fixturePolicy({ reason: "x" })],
  ) => {
    const decision = decide(tool, grants);
    if (decision.effect === "deny") throw new Error(`denied: ${decision.reason}`);
    const rules = compileApprovalRules(policies);
    const held = requiredApproval(
      { agent: personSubject(alice), server, tool, decision, grants, rules, personId: alice.id },
      {},
    );
    if (held === null) return null;
    const policyTeams = held.source.type === "policy" ? rules.scopeTeams(held.source.id) : null;
    return approvingTeams(alice, tool, grants, policyTeams);
  };

  it("a call an approval policy holds goes to the teams of theirs the policy names, not those granting the tool", () => {
    const grants = [fixtureGrant({ teamId: "team_a" })];
    expect(
      deciders(read, grants, [fixturePolicy({ reason: "b asks" }, { scope: scope(["team_b"]) })]),
    ).toEqual(["team_b"]);
    // Of a scope naming several teams, only the person's own count.
    expect(
      deciders(read, grants, [
        fixturePolicy({ reason: "b asks" }, { scope: scope(["team_z", "team_b", "team_a"]) }),
      ]),
    ).toEqual(["team_a", "team_b"]);
  });

  it("a policy naming no team, like an approve grant, goes to the teams granting the tool", () => {
    const grants = [
      fixtureGrant({ teamId: "team_b", toolPattern: "read_*" }),
      fixtureGrant({ userId: alice.id, toolPattern: "push" }),
    ];
    expect(
      deciders(read, grants, [fixturePolicy({ reason: "mine" }, { scope: scope([], [alice.id]) })]),
    ).toEqual(["team_b"]);
    const ask = fixtureGrant({ teamId: "team_a", effect: "approve" });
    expect(deciders(read, [ask], [])).toEqual(["team_a"]);
    // Only their own grant gives `push`: no team decides (owners and admins do).
    expect(deciders(push, grants)).toEqual([]);
  });
});
