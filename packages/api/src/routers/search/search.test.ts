import { newId } from "@portcullis/contracts/ids";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

let h: ApiHarness;
let serverId: string;

beforeAll(async () => {
  h = await startApiHarness("search");
  const { db } = h.database;
  serverId = (
    await seedServerWithTools(db, { orgId: h.orgId, name: "github", tools: ["delete-repo", "search-issues"] })
  ).serverId;
  await seedServerWithTools(db, { orgId: h.orgId, name: "repo-mirror", tools: [] });
  await seedTeamWithAgent(db, { orgId: h.orgId, team: "repo-owners", agent: "repo-bot" });
  await db.policy.create({ data: { id: newId("policy"), orgId: h.orgId, name: "repo-guard", kind: "dlp" } });
  await db.portal.create({
    data: { id: newId("portal"), orgId: h.orgId, name: "code-review", description: "for repo reviewers" },
  });
  await seedServerWithTools(db, { orgId: h.otherOrgId, name: "their-repo", tools: ["repo-x"] });
});
afterAll(async () => h?.close());

describe("search · happy path", () => {
  it("finds servers, tools, teams, agents, policies and portals in one box, prefix matches first", async () => {
    const hits = await (await h.as("admin")).search.everything({ query: "REPO" });
    expect(hits.map((x) => `${x.kind}:${x.name}`)).toEqual([
      "server:repo-mirror",
      "team:repo-owners",
      "agent:repo-bot",
      "policy:repo-guard",
      "tool:github__delete-repo",
      "portal:code-review",
    ]);
    expect(hits.find((x) => x.kind === "portal")?.detail).toBe("/mcp/code-review · for repo reviewers");
    expect(hits.find((x) => x.kind === "tool")).toMatchObject({ parentId: serverId });
    expect(hits.find((x) => x.kind === "agent")?.detail).toBe("team repo-owners");
  });

  it("finds people by email, with their role", async () => {
    const hits = await (await h.as("admin")).search.everything({ query: "auditor@" });
    expect(hits).toEqual([
      expect.objectContaining({
        kind: "person",
        detail: "auditor@example.com · auditor",
        email: "auditor@example.com",
      }),
    ]);
  });

  it("finds a portal by its name", async () => {
    const hits = await (await h.as("auditor")).search.everything({ query: "code-rev", kinds: ["portal"] });
    expect(hits).toEqual([expect.objectContaining({ kind: "portal", name: "code-review" })]);
  });

  it("narrows to the kinds asked for (a principal picker: teams and agents)", async () => {
    const hits = await (await h.as("admin")).search.everything({ query: "repo", kinds: ["team", "agent"] });
    expect(hits.map((x) => x.kind)).toEqual(["team", "agent"]);
  });

  it("finds nothing for a blank query", async () => {
    expect(await (await h.as("admin")).search.everything({ query: "  " })).toEqual([]);
  });
});

describe("search · security", () => {
  it("finds only what the role may read, in the caller's organization", async () => {
    const member = await (await h.as("member")).search.everything({ query: "e" });
    expect(member.some((x) => x.kind === "person" || x.kind === "policy")).toBe(false);
    expect(member.some((x) => x.kind === "server")).toBe(true);
    const outsider = await (await h.as("outsider")).search.everything({ query: "repo" });
    expect(outsider.map((x) => x.name)).toEqual(["their-repo", "their-repo__repo-x"]);
  });

  it("needs a session", async () => {
    const { appRouter } = await import("../../root");
    const { createApiContext } = await import("../../context");
    const anonymous = appRouter.createCaller(await createApiContext(h.deps(), null));
    expect((await caught(anonymous.search.everything({ query: "repo" }))).code).toBe("UNAUTHORIZED");
  });
});
