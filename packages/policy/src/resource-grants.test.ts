import type { SnapshotAgent, SnapshotItemGrant, SnapshotServer } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { decideItemAccess, itemGrantsFor, matchesGlob } from "./resource-grants";

const agent: SnapshotAgent = {
  id: "agt_1",
  orgId: "org_1",
  name: "ci-bot",
  teamId: "team_a",
  teamName: "a",
  status: "active",
};
const server = (id: string, status: SnapshotServer["status"] = "active"): SnapshotServer => ({
  id,
  orgId: "org_1",
  name: id.replace("srv_", ""),
  transport: "streamable-http",
  url: "http://127.0.0.1:1/mcp",
  command: null,
  args: [],
  env: null,
  network: true,
  allowElicitation: true,
  allowSampling: false,
  secrets: null,
  timeoutMs: 1000,
  status,
});
const servers = new Map([
  ["srv_docs", server("srv_docs")],
  ["srv_off", server("srv_off", "disabled")],
  ["srv_other", server("srv_other")],
]);
let n = 0;
const grant = (over: Partial<SnapshotItemGrant>): SnapshotItemGrant => ({
  id: `grant_${++n}`,
  orgId: "org_1",
  teamId: "team_a",
  agentId: null,
  userId: null,
  serverId: "srv_docs",
  pattern: "*",
  effect: "allow",
  reason: null,
  ...over,
});

describe("decideItemAccess", () => {
  it("denies by default and names the item", () => {
    const g = itemGrantsFor("resource", agent, [], servers);
    expect(g.servers).toEqual([]);
    expect(decideItemAccess(g, servers.get("srv_docs")!, "docs://a")).toEqual({
      effect: "deny",
      grantId: null,
      reason: "no grant gives agent 'ci-bot' access to resource 'docs://a' on 'docs' (default deny)",
    });
  });

  it("matches URI globs; deny wins over allow from agent or team", () => {
    const allow = grant({ pattern: "docs://public/*" });
    const deny = grant({ agentId: "agt_1", teamId: null, pattern: "docs://public/secret*", effect: "deny" });
    const g = itemGrantsFor("resource", agent, [allow, deny], servers);
    expect(g.servers.map((s) => s.id)).toEqual(["srv_docs"]);
    const docs = servers.get("srv_docs")!;
    expect(decideItemAccess(g, docs, "docs://public/readme")).toEqual({ effect: "allow", grantId: allow.id });
    expect(decideItemAccess(g, docs, "docs://public/secret-plan").effect).toBe("deny");
    expect(decideItemAccess(g, docs, "docs://private/readme").effect).toBe("deny");
  });

  it("ignores other agents, other teams, other organizations and disabled servers", () => {
    const g = itemGrantsFor(
      "prompt",
      agent,
      [
        grant({ teamId: "team_b" }),
        grant({ agentId: "agt_2", teamId: null }),
        grant({ orgId: "org_2" }),
        grant({ serverId: "srv_off" }),
        grant({ serverId: "srv_other", effect: "deny" }),
      ],
      servers,
    );
    // A server with only deny grants is not fanned out to, and a disabled one never.
    expect(g.servers).toEqual([]);
    expect(decideItemAccess(g, servers.get("srv_off")!, "greet").effect).toBe("deny");
    expect(decideItemAccess(g, servers.get("srv_docs")!, "greet").effect).toBe("deny");
  });
});

describe("matchesGlob", () => {
  it("matches like tool patterns: * any run, ? one character, the rest literal", () => {
    expect(matchesGlob("docs://*", "docs://a/b/c")).toBe(true);
    expect(matchesGlob("docs://?", "docs://ab")).toBe(false);
    expect(matchesGlob("a.b", "axb")).toBe(false);
    expect(matchesGlob("*.md", "notes/readme.md")).toBe(true);
    expect(matchesGlob("file:///[x]*", "file:///[x]y")).toBe(true);
    expect(matchesGlob("", "")).toBe(true);
    expect(matchesGlob("**", "")).toBe(true);
  });

  // As a backtracking regex, `^.*a.*a.*a.*a.*a.*a.*b$` over 20,000 a's would not finish.
  it("answers a many-star pattern over a long agent-chosen URI", () => {
    const uri = "a".repeat(20_000);
    expect(matchesGlob("*a*a*a*a*a*a*b", uri)).toBe(false);
    expect(matchesGlob("*a*a*a*a*a*a*", uri)).toBe(true);
  });
});
