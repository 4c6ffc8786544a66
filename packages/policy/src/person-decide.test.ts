import type { SnapshotPerson } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { decidePersonToolCall, grantReachesPerson as grantAppliesToPerson, personView } from "./person-view";
import { fixtureGrant, fixtureServer, fixtureTool } from "./testing/snapshot-fixtures";

const person: SnapshotPerson = {
  id: "usr_ada",
  orgId: "org_1",
  email: "ada@example.com",
  name: "Ada",
  teamIds: ["team_a", "team_b"],
  status: "active",
};
const server = fixtureServer("crm");
const search = fixtureTool(server, "search");
const wipe = fixtureTool(server, "wipe");

describe("grants that apply to a person", () => {
  it("are their own, or any of their teams' that name no agent and no person", () => {
    expect(grantAppliesToPerson(fixtureGrant({ userId: "usr_ada" }), person)).toBe(true);
    expect(grantAppliesToPerson(fixtureGrant({ teamId: "team_b" }), person)).toBe(true);
    expect(grantAppliesToPerson(fixtureGrant({ userId: "usr_bob" }), person)).toBe(false);
    expect(grantAppliesToPerson(fixtureGrant({ teamId: "team_c" }), person)).toBe(false);
    // An agent's grant (even one of the person's teams' agents) never reaches a person.
    expect(grantAppliesToPerson(fixtureGrant({ teamId: "team_a", agentId: "agt_1" }), person)).toBe(false);
    expect(grantAppliesToPerson(fixtureGrant({ teamId: "team_a", orgId: "org_2" }), person)).toBe(false);
  });
});

describe("a person's decisions", () => {
  it("take the union of their teams' grants with deny winning, as for agents", () => {
    const grants = [
      fixtureGrant({ teamId: "team_a", toolPattern: "*" }),
      fixtureGrant({ teamId: "team_b", toolPattern: "wipe", effect: "deny", reason: "never" }),
    ];
    expect(decidePersonToolCall({ person, server, tool: search, grants }).effect).toBe("allow");
    expect(decidePersonToolCall({ person, server, tool: wipe, grants })).toMatchObject({
      effect: "deny",
      reason: "never",
    });
    const view = personView(
      person,
      [search, wipe],
      new Map([[server.id, server]]),
      new Map([[server.id, grants]]),
    );
    expect(view.tools.map((t) => t.tool.exposedName)).toEqual(["crm__search"]);
    expect(view.grantedServers.map((s) => s.name)).toEqual(["crm"]);
  });

  it("default-deny and refuse a suspended person first", () => {
    expect(decidePersonToolCall({ person, server, tool: search, grants: [] })).toMatchObject({
      effect: "deny",
      reason: "no grant gives person 'ada@example.com' access to 'crm__search' (default deny)",
    });
    const grants = [fixtureGrant({ userId: "usr_ada" })];
    expect(
      decidePersonToolCall({ person: { ...person, status: "suspended" }, server, tool: search, grants }),
    ).toMatchObject({ effect: "deny", reason: "person 'ada@example.com' is suspended" });
  });
});
