import { describe, expect, it } from "vitest";
import { decidingGrant, type RankedGrant } from "./grant-precedence";

const grant = (id: string, fields: Partial<RankedGrant>): RankedGrant => ({
  id,
  teamId: null,
  agentId: null,
  serverId: "srv_a",
  toolPattern: "*",
  effect: "allow",
  ...fields,
});

const team = { type: "team", id: "team_1" } as const;
const agent = { type: "agent", id: "agt_1", teamId: "team_1" } as const;

describe("decidingGrant", () => {
  it("is null without a matching grant (default deny)", () => {
    expect(decidingGrant(team, "srv_a", "read", [grant("g1", { teamId: "team_2" })])).toBeNull();
    expect(decidingGrant(team, "srv_b", "read", [grant("g1", { teamId: "team_1" })])).toBeNull();
  });

  it("lets the most restrictive matching grant win, the team's grants applying to its agents", () => {
    const grants = [
      grant("allow-all", { teamId: "team_1" }),
      grant("approve-delete", { agentId: "agt_1", toolPattern: "delete_*", effect: "approve" }),
      grant("deny-drop", { teamId: "team_1", toolPattern: "delete_db", effect: "deny" }),
    ];
    expect(decidingGrant(agent, "srv_a", "read", grants)?.id).toBe("allow-all");
    expect(decidingGrant(agent, "srv_a", "delete_row", grants)?.id).toBe("approve-delete");
    expect(decidingGrant(agent, "srv_a", "delete_db", grants)?.id).toBe("deny-drop");
    // A team does not see its agents' own grants.
    expect(decidingGrant(team, "srv_a", "delete_row", grants)?.id).toBe("allow-all");
  });

  it("gives a person their own grants and every team's, and nobody else sees a person's grants", () => {
    const person = { type: "user", id: "usr_1", teamIds: ["team_1", "team_2"] } as const;
    const grants = [
      grant("team-2-read", { teamId: "team_2", toolPattern: "read" }),
      grant("own-deny", { userId: "usr_1", toolPattern: "delete_*", effect: "deny" }),
      grant("agent-allow", { agentId: "agt_1" }),
    ];
    expect(decidingGrant(person, "srv_a", "read", grants)?.id).toBe("team-2-read");
    expect(decidingGrant(person, "srv_a", "delete_db", grants)?.id).toBe("own-deny");
    expect(decidingGrant(person, "srv_a", "write", grants)).toBeNull();
    expect(decidingGrant(agent, "srv_a", "delete_db", grants)?.id).toBe("agent-allow");
    expect(decidingGrant(team, "srv_a", "delete_db", grants)).toBeNull();
  });
});
