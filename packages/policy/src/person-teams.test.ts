import { redisNames } from "@portcullis/contracts/redis-keys";
import type { SnapshotItemGrant, SnapshotPerson } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { compileApprovalRules, requiredApproval } from "./approval-rules";
import { compileDlpPolicies } from "./dlp/compile-dlp-policies";
import { decidePersonToolCall } from "./person-view";
import { scopedCall } from "./policy-scope";
import { personSubject } from "./policy-subject";
import { compileRateLimits } from "./rate-limit/compile-rate-limits";
import { decideItemAccess, itemGrantsFor } from "./resource-grants";
import { fixtureGrant, fixturePolicy, fixtureServer, fixtureTool } from "./testing/snapshot-fixtures";

// A person in two teams: every rule scoped to the second one must bind them too.
const person: SnapshotPerson = {
  id: "usr_dana",
  orgId: "org_1",
  email: "dana@example.com",
  name: "Dana",
  teamIds: ["team_a", "team_b"],
  status: "active",
};
const subject = personSubject(person);
const server = fixtureServer("alpha");
const echo = fixtureTool(server, "echo");
const onlyB = { teams: ["team_b"], agents: [], servers: [], tools: [] };
const onlyC = { teams: ["team_c"], agents: [], servers: [], tools: [] };

describe("a person in teams a and b", () => {
  it("is covered by a DLP policy scoped to team b, not by one scoped to a team they are not in", () => {
    const dlp = compileDlpPolicies([
      fixturePolicy(
        { detectors: ["email"], action: "block", direction: "arguments" },
        { kind: "dlp", scope: onlyB },
      ),
    ]);
    expect(dlp.forCall(scopedCall(subject, server, echo, person.id)).arguments).not.toBeNull();
    const other = compileDlpPolicies([
      fixturePolicy(
        { detectors: ["email"], action: "block", direction: "arguments" },
        { kind: "dlp", scope: onlyC },
      ),
    ]);
    expect(other.forCall(scopedCall(subject, server, echo, person.id)).arguments).toBeNull();
  });

  it("is limited by a rate limit scoped to team b, counted on team b's counter", () => {
    const limits = compileRateLimits(
      [
        fixturePolicy(
          { limits: [{ per: "team", window: "minute", max: 5 }] },
          { kind: "rate_limit", name: "team-b", scope: onlyB },
        ),
        fixturePolicy(
          { limits: [{ per: "team+tool", window: "minute", max: 9 }] },
          { kind: "rate_limit", name: "every-team" },
        ),
      ],
      redisNames("pc-test"),
    );
    const plan = limits.planFor(subject, server, echo, person.id)!;
    expect(plan.limits.map((l) => l.policy.name)).toEqual(["team-b", "every-team", "every-team"]);
    expect(plan.keys[0]).toMatch(/team_b$/);
    // An unscoped per-team budget is spent by each of their teams.
    expect(plan.keys[1]).toContain(`team_a:${echo.id}`);
    expect(plan.keys[2]).toContain(`team_b:${echo.id}`);
  });

  it("waits for approval under an approval policy scoped to team b", () => {
    const rules = compileApprovalRules([fixturePolicy({ reason: "team b asks" }, { scope: onlyB })]);
    const grants = [fixtureGrant({ teamId: "team_a" })];
    const decision = decidePersonToolCall({ person, server, tool: echo, grants });
    expect(decision.effect).toBe("allow");
    if (decision.effect === "deny") return;
    const required = requiredApproval(
      { agent: subject, server, tool: echo, decision, grants, rules, personId: person.id },
      {},
    );
    expect(required?.reason).toBe("team b asks");
  });

  it("waits for approval when team b's grant is an approve grant, even if team a allows", () => {
    const grants = [
      fixtureGrant({ teamId: "team_a" }),
      fixtureGrant({ teamId: "team_b", effect: "approve", reason: "b approves" }),
    ];
    const decision = decidePersonToolCall({ person, server, tool: echo, grants });
    expect(decision.effect).toBe("approve");
    if (decision.effect === "deny") return;
    const required = requiredApproval(
      {
        agent: subject,
        server,
        tool: echo,
        decision,
        grants,
        rules: compileApprovalRules([]),
        personId: person.id,
      },
      {},
    );
    expect(required).toMatchObject({ source: { type: "grant", id: grants[1]!.id }, reason: "b approves" });
  });

  it("reads the resources team b and they themselves are granted, and not team c's", () => {
    const item = (over: Partial<SnapshotItemGrant>): SnapshotItemGrant => ({
      id: `rg_${over.pattern}`,
      orgId: "org_1",
      teamId: null,
      agentId: null,
      userId: null,
      serverId: server.id,
      pattern: "*",
      effect: "allow",
      reason: null,
      ...over,
    });
    const grants = [
      item({ teamId: "team_b", pattern: "docs://*" }),
      item({ userId: person.id, pattern: "mine://*" }),
      item({ teamId: "team_c", pattern: "secret://*" }),
      item({ teamId: "team_b", pattern: "docs://private/*", effect: "deny" }),
    ];
    const view = itemGrantsFor("resource", subject, grants, new Map([[server.id, server]]));
    expect(decideItemAccess(view, server, "docs://readme").effect).toBe("allow");
    expect(decideItemAccess(view, server, "mine://notes").effect).toBe("allow");
    expect(decideItemAccess(view, server, "docs://private/x").effect).toBe("deny");
    expect(decideItemAccess(view, server, "secret://key")).toMatchObject({
      effect: "deny",
      reason: expect.stringContaining("person 'dana@example.com'"),
    });
    expect(view.servers.map((s) => s.id)).toEqual([server.id]);
  });
});
