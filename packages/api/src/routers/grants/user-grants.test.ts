import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

/** Grants that name people: set and listed by the console, seen through their teams, previewed. */
let h: ApiHarness;
const ids = {} as { platform: string; data: string; github: string; member: string };

beforeAll(async () => {
  h = await startApiHarness("user_grants");
  const { db } = h.database;
  const platform = await seedTeamWithAgent(db, { orgId: h.orgId, team: "platform", agent: "ci-bot" });
  const data = await seedTeamWithAgent(db, { orgId: h.orgId, team: "data" });
  const github = await seedServerWithTools(db, {
    orgId: h.orgId,
    name: "github",
    tools: [{ name: "search-issues", readOnly: true }, { name: "list-repos", readOnly: true }, "delete-repo"],
  });
  Object.assign(ids, {
    platform: platform.teamId,
    data: data.teamId,
    github: github.serverId,
    member: h.userIds.member,
  });
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

const person = () => ({ type: "user" as const, id: ids.member });

describe("grants naming people · errors and security", () => {
  it("refuses a person who is not a member of the organization", async () => {
    const admin = await h.as("admin");
    const outsider = await caught(
      admin.grants.set({
        subject: { type: "user", id: h.userIds.outsider },
        serverId: ids.github,
        toolPattern: "*",
        effect: "allow",
      }),
    );
    expect(outsider).toMatchObject({ code: "NOT_FOUND" });
    expect(await caught(admin.grants.previewPerson({ userId: h.userIds.outsider }))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(
      await caught(admin.grants.access.byServer({ principal: { type: "user", id: h.userIds.outsider } })),
    ).toMatchObject({ code: "NOT_FOUND" });
  });

  it("lets only grant writers set a person's grant", async () => {
    const member = await h.as("member");
    expect(
      await caught(
        member.grants.set({ subject: person(), serverId: ids.github, toolPattern: "*", effect: "allow" }),
      ),
    ).toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("grants naming people · happy path", () => {
  it("sets a person's grant, lists it by email, and publishes it with the person and their teams", async () => {
    const admin = await h.as("admin");
    await admin.teams.addMember({ teamId: ids.platform, email: "member@example.com" });
    await admin.grants.set({
      subject: { type: "team", id: ids.platform },
      serverId: ids.github,
      toolPattern: "search-*",
      effect: "allow",
    });
    const set = await admin.grants.set({
      subject: person(),
      serverId: ids.github,
      toolPattern: "delete-*",
      effect: "approve",
      reason: "ask first",
    });
    expect(set.action).toBe("create");
    const listed = await admin.grants.list({ subject: person() });
    expect(listed.map((g) => [g.subject, g.toolPattern, g.effect])).toEqual([
      [{ type: "user", id: ids.member, name: "member@example.com" }, "delete-*", "approve"],
    ]);
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.grants.find((g) => g.id === set.id)).toMatchObject({ userId: ids.member, teamId: null });
    expect(served.people.find((p) => p.id === ids.member)?.teamIds).toEqual([ids.platform]);
  });

  it("shows a person's access per server and tool: their own grants and their teams' (inherited)", async () => {
    const auditor = await h.as("auditor");
    const view = await auditor.grants.access.byServer({ principal: person() });
    expect(view.principal).toMatchObject({
      type: "user",
      name: "member@example.com",
      teams: [{ id: ids.platform, name: "platform" }],
    });
    expect(view.rows.map((r) => [r.server.name, r.counts])).toEqual([
      ["github", { allow: 1, approve: 1, deny: 0, none: 1 }],
    ]);
    expect(view.rows[0]!.grants.map((g) => `${g.toolPattern}:${g.effect}:${g.inherited}`).sort()).toEqual([
      "delete-*:approve:false",
      "search-*:allow:true",
    ]);
    const byTool = await auditor.grants.access.byTool({ principal: person() });
    expect(byTool.items.map((t) => [t.upstreamName, t.effect])).toEqual([
      ["delete-repo", "approve"],
      ["list-repos", "none"],
      ["search-issues", "allow"],
    ]);
    // The server's principals: people holding grants of their own there are listed.
    const principals = await auditor.grants.access.byPrincipal({ serverId: ids.github });
    expect(principals.items.map((r) => `${r.principal.type}:${r.principal.name}`)).toContain(
      "user:member@example.com",
    );
  });

  it("previews what the person's MCP client would list, with the approval their grant asks for", async () => {
    const auditor = await h.as("auditor");
    const preview = await auditor.grants.previewPerson({ userId: ids.member });
    expect(preview.person).toMatchObject({ email: "member@example.com", teamIds: [ids.platform] });
    expect(preview.tools.map((t) => [t.exposedName, t.effect, t.approval.mode]).sort()).toEqual([
      ["github__delete-repo", "approve", "always"],
      ["github__search-issues", "allow", "never"],
    ]);
  });

  it("gives a person another team's grants once they join it, and a team's deny wins over their allow", async () => {
    const admin = await h.as("admin");
    await admin.grants.set({
      subject: person(),
      serverId: ids.github,
      toolPattern: "list-*",
      effect: "allow",
    });
    await admin.teams.addMember({ teamId: ids.data, email: "member@example.com" });
    await admin.grants.set({
      subject: { type: "team", id: ids.data },
      serverId: ids.github,
      toolPattern: "list-repos",
      effect: "deny",
    });
    const preview = await admin.grants.previewPerson({ userId: ids.member });
    expect(preview.tools.map((t) => t.exposedName)).not.toContain("github__list-repos");
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.people.find((p) => p.id === ids.member)?.teamIds.sort()).toEqual(
      [ids.data, ids.platform].sort(),
    );
  });

  it("previews the approval a policy scoped to any one of the person's teams asks for", async () => {
    const admin = await h.as("admin");
    // The member is in platform and data (the test above); the policy names only data.
    await admin.policies.create({
      policy: {
        name: "data-asks",
        kind: "approval",
        scope: { teams: ["data"] },
        config: { reason: "data team reviews reads" },
      },
    });
    const preview = await admin.grants.previewPerson({ userId: ids.member });
    expect(preview.tools.find((t) => t.exposedName === "github__search-issues")?.approval).toMatchObject({
      mode: "always",
      source: { type: "policy", name: "data-asks" },
      reason: "data team reviews reads",
    });
  });

  it("bulk-changes a person's access like a team's", async () => {
    const admin = await h.as("admin");
    const change = {
      principal: person(),
      filter: { serverId: ids.github, risk: ["read" as const] },
      effect: "allow" as const,
    };
    const plan = await admin.grants.bulk.preview(change);
    expect(plan.principal).toMatchObject({ type: "user", name: "member@example.com" });
    await admin.grants.bulk.save({ change, fingerprint: plan.fingerprint });
    const listed = await admin.grants.list({ subject: person() });
    expect(listed.every((g) => g.subject.type === "user")).toBe(true);
  });
});

describe("policies scoped to people (console parity with the file's scope.users)", () => {
  it("stores the person by id, shows their email, publishes the scope, and refuses a non-member", async () => {
    const admin = await h.as("admin");
    const policy = {
      name: "member-limit",
      kind: "rate_limit" as const,
      scope: { users: ["Member@Example.com"] },
      config: { limits: [{ per: "user" as const, window: "minute" as const, max: 5 }] },
    };
    const { id } = await admin.policies.create({ policy });
    const view = await admin.policies.get({ id });
    expect(view.scope.users).toEqual([{ ref: ids.member, name: "member@example.com" }]);
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.policies.find((p) => p.id === id)?.scope.users).toEqual([ids.member]);
    const error = await caught(
      admin.policies.create({
        policy: { ...policy, name: "nobody", scope: { users: ["nobody@example.com"] } },
      }),
    );
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toContain('"nobody@example.com" is not a member of the organization');
  });
});
