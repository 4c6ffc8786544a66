import { newId } from "@portcullis/contracts/ids";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caught } from "../testing/caught";
import { type ApiHarness, startApiHarness } from "../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../testing/seed";

// Servers, agents, members and the review queue page, sort and filter in the database.
let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness("paged_lists");
  const { db } = h.database;
  for (const name of ["alpha", "bravo", "charlie", "delta", "echo"]) {
    await seedServerWithTools(db, {
      orgId: h.orgId,
      name,
      tools: [
        { name: `${name}-read`, readOnly: true },
        { name: `${name}-drop`, status: "quarantined" },
      ],
    });
  }
  await db.server.updateMany({ where: { orgId: h.orgId, name: "charlie" }, data: { status: "disabled" } });
  await db.server.updateMany({ where: { orgId: h.orgId, name: "bravo" }, data: { lastSyncAt: new Date() } });
  const ops = await seedTeamWithAgent(db, { orgId: h.orgId, team: "ops", agent: "zeta-bot" });
  const web = await seedTeamWithAgent(db, { orgId: h.orgId, team: "web", agent: "alpha-bot" });
  await db.agent.create({
    data: { id: newId("agent"), orgId: h.orgId, teamId: ops.teamId, name: "mid-bot", status: "disabled" },
  });
  await db.teamMember.create({
    data: { id: newId("teamMember"), teamId: web.teamId, userId: h.userIds.approver },
  });
  await seedServerWithTools(db, { orgId: h.otherOrgId, name: "alpha-theirs", tools: [] });
});
afterAll(async () => h?.close());

describe("paged lists · happy path", () => {
  it("pages, searches, filters and sorts servers", async () => {
    const admin = await h.as("admin");
    const first = await admin.servers.page({ limit: 2 });
    expect(first.total).toBe(5);
    expect(first.items.map((s) => [s.name, s.toolCount])).toEqual([
      ["alpha", 2],
      ["bravo", 2],
    ]);
    const third = await admin.servers.page({ limit: 2, offset: 4 });
    expect(third.items.map((s) => s.name)).toEqual(["echo"]);
    expect((await admin.servers.page({ sort: "name", order: "desc", limit: 1 })).items[0]!.name).toBe("echo");
    expect((await admin.servers.page({ status: "disabled" })).items.map((s) => s.name)).toEqual(["charlie"]);
    expect((await admin.servers.page({ search: "ELT" })).items.map((s) => s.name)).toEqual(["delta"]);
    // Never-synced servers sort last in either direction.
    expect((await admin.servers.page({ sort: "lastSyncAt", order: "desc", limit: 1 })).items[0]!.name).toBe(
      "bravo",
    );
  });

  it("pages agents by team, status and name", async () => {
    const admin = await h.as("auditor");
    const all = await admin.agents.page({ sort: "team" });
    expect(all.items.map((a) => `${a.teamName}/${a.name}`)).toEqual([
      "ops/mid-bot",
      "ops/zeta-bot",
      "web/alpha-bot",
    ]);
    expect((await admin.agents.page({ status: "disabled" })).items.map((a) => a.name)).toEqual(["mid-bot"]);
    expect((await admin.agents.page({ search: "zeta" })).total).toBe(1);
  });

  it("pages members by role, team and email", async () => {
    const admin = await h.as("admin");
    const page = await admin.members.page({ limit: 2, sort: "email" });
    expect(page.total).toBe(5);
    expect(page.items.map((m) => m.email)).toEqual(["admin@example.com", "approver@example.com"]);
    expect((await admin.members.page({ role: "auditor" })).items.map((m) => m.email)).toEqual([
      "auditor@example.com",
    ]);
    const inWeb = await admin.members.page({
      teamId: (await admin.teams.list()).find((t) => t.name === "web")!.id,
    });
    expect(inWeb.items.map((m) => [m.email, m.teams.map((t) => t.name)])).toEqual([
      ["approver@example.com", ["web"]],
    ]);
    expect((await admin.members.page({ search: "OWNER" })).total).toBe(1);
  });

  it("pages the review queue, quarantined tools first on every page", async () => {
    const admin = await h.as("admin");
    const page = await admin.review.list({ limit: 2, offset: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((t) => t.status)).toEqual(["quarantined", "quarantined"]);
    expect((await admin.review.list({ search: "echo" })).items.map((t) => t.exposedName)).toEqual([
      "echo__echo-drop",
    ]);
  });
});

describe("paged lists · errors and security", () => {
  it("refuses an unknown sort key and page sizes over 200", async () => {
    const admin = await h.as("admin");
    // @ts-expect-error: not a sort key of servers
    expect((await caught(admin.servers.page({ sort: "secrets" }))).code).toBe("BAD_REQUEST");
    expect((await caught(admin.agents.page({ limit: 201 }))).code).toBe("BAD_REQUEST");
  });

  it("lists only the caller's organization, and needs the list's permission", async () => {
    const outsider = await h.as("outsider");
    expect((await outsider.servers.page()).items.map((s) => s.name)).toEqual(["alpha-theirs"]);
    expect((await caught((await h.as("member")).members.page())).code).toBe("FORBIDDEN");
  });
});
