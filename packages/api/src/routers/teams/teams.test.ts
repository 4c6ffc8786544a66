import { hashInvitationToken } from "@portcullis/control/identity/invitation-token";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedTeamWithAgent } from "../../testing/seed";

// Teams and members: the people side of the console.
let h: ApiHarness;
let theirTeam: string;

beforeAll(async () => {
  h = await startApiHarness("teams");
  theirTeam = (await seedTeamWithAgent(h.database.db, { orgId: h.otherOrgId, team: "secret-team" })).teamId;
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("teams · happy path", () => {
  it("creates a team, adds and removes members, renames it and deletes it", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.teams.create({ name: "platform", description: "Platform engineering" });
    expect(await admin.teams.addMember({ teamId: id, email: "Member@Example.com" })).toEqual({
      teamId: id,
      userId: h.userIds.member,
      added: true,
    });
    expect((await admin.teams.addMember({ teamId: id, email: "member@example.com" })).added).toBe(false);
    await admin.teams.addMember({ teamId: id, email: "auditor@example.com" });
    const [team] = (await (await h.as("member")).teams.list()).filter((t) => t.id === id);
    expect(team).toMatchObject({ name: "platform", memberCount: 2, agentCount: 0 });
    expect(team!.members.map((m) => m.email).sort()).toEqual(["auditor@example.com", "member@example.com"]);
    expect((await admin.members.list()).find((m) => m.email === "member@example.com")?.teams).toEqual([
      { id, name: "platform" },
    ]);

    await admin.teams.removeMember({ teamId: id, userId: h.userIds.auditor });
    expect((await admin.teams.list()).find((t) => t.id === id)?.memberCount).toBe(1);

    // A team's name reaches gateways through its agents.
    await admin.agents.create({ name: "platform-bot", teamId: id });
    await admin.teams.update({ id, name: "platform-eng" });
    expect(
      (await servedSnapshot(h.redis, h.names())).agents.find((a) => a.name === "platform-bot")?.teamName,
    ).toBe("platform-eng");

    const blocked = await caught(admin.teams.delete({ id }));
    expect(blocked).toMatchObject({ code: "CONFLICT" });
    expect(blocked.message).toMatch(/still has 1 agent/);
    await admin.agents.delete({ id: (await admin.agents.list({ teamId: id }))[0]!.id });
    await admin.teams.delete({ id });
    expect((await admin.teams.list()).map((t) => t.id)).not.toContain(id);
    const actions = (
      await h.database.db.adminAuditLog.findMany({ where: { targetId: id }, orderBy: { createdAt: "asc" } })
    ).map((a) => a.action);
    expect(actions).toEqual([
      "team.create",
      "team_member.add",
      "team_member.add",
      "team_member.remove",
      "team.update",
      "team.delete",
    ]);
  });

  it("refuses people outside the organization and duplicate names", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.teams.create({ name: "data" });
    const outsider = await caught(admin.teams.addMember({ teamId: id, email: "admin@other.example" }));
    expect(outsider).toMatchObject({
      code: "NOT_FOUND",
      message: "admin@other.example is not a member of this organization: invite them first",
    });
    expect((await caught(admin.teams.create({ name: "data" }))).code).toBe("CONFLICT");
    expect((await caught(admin.teams.create({ name: "Data Team" }))).code).toBe("BAD_REQUEST");
  });
});

describe("members · happy path", () => {
  it("changes roles, with effect on the member's very next call", async () => {
    const admin = await h.as("admin");
    const approver = await h.as("approver");
    expect((await approver.me.get()).role).toBe("approver");
    await admin.members.setRole({ userId: h.userIds.approver, role: "admin" });
    expect((await approver.me.get()).permissions).toContain("grants.write");
    await admin.members.setRole({ userId: h.userIds.approver, role: "approver" });
    expect((await approver.me.get()).permissions).not.toContain("grants.write");
    const audit = await h.database.db.adminAuditLog.findFirstOrThrow({
      where: { action: "member.role", targetId: h.userIds.approver },
    });
    expect(audit.details).toMatchObject({ changes: { role: { from: "approver", to: "admin" } } });
  });

  it("invites with an accept URL whose token is stored hashed", async () => {
    const admin = await h.as("admin");
    const invited = await admin.members.invite({ email: "new.person@example.com", role: "auditor" });
    const token = new URL(invited.acceptUrl).searchParams.get("invite")!;
    expect(invited.acceptUrl.startsWith("http://127.0.0.1:3000/login?")).toBe(true);
    const row = await h.database.db.invitation.findUniqueOrThrow({ where: { id: invited.invitationId } });
    expect(row.tokenHash).toBe(hashInvitationToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect((await admin.members.invitations()).map((i) => i.email)).toContain("new.person@example.com");
  });

  it("removes a member, who loses access at once", async () => {
    const { db } = h.database;
    const userId = "usr_leaving";
    await db.user.create({ data: { id: userId, email: "leaving@example.com" } });
    await db.membership.create({ data: { id: "mem_leaving", userId, orgId: h.orgId, role: "admin" } });
    const leaving = await h.as({ userId });
    expect((await leaving.servers.list()).length).toBeGreaterThanOrEqual(0);
    await (await h.as("owner")).members.remove({ userId });
    const error = await caught(leaving.servers.list());
    expect(error).toMatchObject({
      code: "FORBIDDEN",
      message: "not allowed: you are not a member of any organization",
    });
  });
});

describe("members · errors and security", () => {
  it("keeps owners in the hands of owners, and one owner at least", async () => {
    const admin = await h.as("admin");
    expect((await caught(admin.members.setRole({ userId: h.userIds.member, role: "owner" }))).code).toBe(
      "FORBIDDEN",
    );
    expect((await caught(admin.members.remove({ userId: h.userIds.owner }))).code).toBe("FORBIDDEN");
    expect((await caught(admin.members.invite({ email: "boss@example.com", role: "owner" }))).code).toBe(
      "FORBIDDEN",
    );
    const owner = await h.as("owner");
    const last = await caught(owner.members.setRole({ userId: h.userIds.owner, role: "admin" }));
    expect(last).toMatchObject({ code: "CONFLICT" });
    expect((await owner.me.get()).role).toBe("owner");
  });

  it("lets nobody without members.write or teams.write change people", async () => {
    for (const person of ["approver", "auditor", "member"] as const) {
      const caller = await h.as(person);
      expect(
        (await caught(caller.members.setRole({ userId: h.userIds.member, role: "admin" }))).message,
      ).toBe("not allowed: this needs the 'members.write' permission");
      expect((await caught(caller.teams.create({ name: `by-${person}` }))).message).toBe(
        "not allowed: this needs the 'teams.write' permission",
      );
    }
    // Members may see teams but not the member list.
    expect((await caught((await h.as("member")).members.list())).code).toBe("FORBIDDEN");
  });

  it("treats another organization's teams and people as missing", async () => {
    const admin = await h.as("admin");
    const attempts = [
      () => admin.teams.update({ id: theirTeam, name: "stolen" }),
      () => admin.teams.delete({ id: theirTeam }),
      () => admin.teams.addMember({ teamId: theirTeam, email: "member@example.com" }),
      () => admin.members.setRole({ userId: h.userIds.outsider, role: "member" }),
      () => admin.members.remove({ userId: h.userIds.outsider }),
    ];
    for (const attempt of attempts) expect((await caught(attempt())).code).toBe("NOT_FOUND");
    expect((await admin.members.list()).map((m) => m.email)).not.toContain("admin@other.example");
    expect((await admin.teams.list()).map((t) => t.name)).not.toContain("secret-team");
  });
});
