import type { SnapshotTool } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { decideToolCall } from "./decide";
import { fixtureAgent, fixtureGrant, fixtureServer, fixtureTool } from "./testing/snapshot-fixtures";
import { matchesToolPattern } from "./tool-pattern";
import { visibleTools } from "./visible-tools";

const agent = fixtureAgent;
const server = fixtureServer("everything");
const tool = (name: string, over: Partial<SnapshotTool> = {}) => fixtureTool(server, name, over);
const grant = fixtureGrant;

describe("decideToolCall", () => {
  it("denies by default when no grant matches", () => {
    const d = decideToolCall({ agent, server, tool: tool("echo"), grants: [] });
    expect(d.effect).toBe("deny");
    expect(d.effect === "deny" && d.reason).toMatch(/default deny/);
  });

  it("allows through the agent's team or the agent itself", () => {
    expect(
      decideToolCall({
        agent,
        server,
        tool: tool("echo"),
        grants: [grant({ teamId: "team_a", toolPattern: "echo" })],
      }).effect,
    ).toBe("allow");
    expect(
      decideToolCall({
        agent,
        server,
        tool: tool("echo"),
        grants: [grant({ agentId: "agt_1", toolPattern: "echo" })],
      }).effect,
    ).toBe("allow");
  });

  it("ignores grants of other teams, agents, servers and organizations", () => {
    const grants = [
      grant({ teamId: "team_b" }),
      grant({ agentId: "agt_2" }),
      grant({ teamId: "team_a", serverId: "srv_2" }),
      grant({ teamId: "team_a", orgId: "org_2" }),
    ];
    expect(decideToolCall({ agent, server, tool: tool("echo"), grants }).effect).toBe("deny");
  });

  it("lets the most restrictive matching grant win", () => {
    const grants = [
      grant({ agentId: "agt_1", toolPattern: "*" }),
      grant({ teamId: "team_a", toolPattern: "delete-*", effect: "deny", reason: "never" }),
    ];
    expect(decideToolCall({ agent, server, tool: tool("echo"), grants }).effect).toBe("allow");
    const d = decideToolCall({ agent, server, tool: tool("delete-all"), grants });
    expect(d).toMatchObject({ effect: "deny", reason: "never" });
    const approve = decideToolCall({
      agent,
      server,
      tool: tool("send"),
      grants: [
        grant({ agentId: "agt_1" }),
        grant({ teamId: "team_a", effect: "approve", approvalTimeoutSec: 60 }),
      ],
    });
    expect(approve).toMatchObject({ effect: "approve", timeoutSec: 60 });
  });

  it("denies disabled agents, disabled servers and inactive tools even with a grant", () => {
    const grants = [grant({ teamId: "team_a" })];
    expect(
      decideToolCall({ agent: { ...agent, status: "disabled" }, server, tool: tool("echo"), grants }).effect,
    ).toBe("deny");
    expect(
      decideToolCall({ agent, server: { ...server, status: "disabled" }, tool: tool("echo"), grants }).effect,
    ).toBe("deny");
    const q = decideToolCall({ agent, server, tool: tool("echo", { status: "quarantined" }), grants });
    expect(q).toMatchObject({ effect: "deny", reason: expect.stringMatching(/quarantined/) });
  });
});

describe("matchesToolPattern", () => {
  it("matches exact names and globs, treating regex characters literally", () => {
    expect(matchesToolPattern("echo", "echo")).toBe(true);
    expect(matchesToolPattern("echo", "echo2")).toBe(false);
    expect(matchesToolPattern("get-*", "get-sum")).toBe(true);
    expect(matchesToolPattern("get-*", "xget-sum")).toBe(false);
    expect(matchesToolPattern("a?c", "abc")).toBe(true);
    expect(matchesToolPattern("a.c", "abc")).toBe(false);
    expect(matchesToolPattern("(x|y)", "x")).toBe(false);
  });
});

describe("visibleTools", () => {
  it("lists allowed and approval-gated tools, hides denied ones", () => {
    const tools = [tool("echo"), tool("send"), tool("delete-all"), tool("other")];
    const grants = [
      grant({ teamId: "team_a", toolPattern: "echo" }),
      grant({ teamId: "team_a", toolPattern: "send", effect: "approve" }),
      grant({ teamId: "team_a", toolPattern: "delete-*" }),
      grant({ agentId: "agt_1", toolPattern: "delete-*", effect: "deny" }),
    ];
    const visible = visibleTools(agent, tools, new Map([["srv_1", server]]), new Map([["srv_1", grants]]));
    expect(visible.map((v) => v.tool.upstreamName)).toEqual(["echo", "send"]);
  });
});
