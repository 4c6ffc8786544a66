import { isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvitation } from "./create-invitation";
import { findInvitation } from "./find-invitation";
import { loadMember } from "./load-member";
import { provisionUser, type SsoIdentity } from "./provision-user";
import { seedDemoIdentities } from "./seed-demo-identities";

let database: TestDatabase;
/** Whoever won the race to be first; the later tests sign them in again. */
let ownerEmail = "";
const ISSUER = "https://sso.acme.test";
const sso = (email: string, sub = email, emailVerified = true): SsoIdentity => ({
  email,
  name: email.split("@")[0],
  emailVerified,
  provider: "oidc",
  issuer: ISSUER,
  providerAccountId: sub,
});

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_identity" });
});
afterAll(async () => {
  await database?.drop();
});

describe("provisionUser", () => {
  it("makes exactly one of several simultaneous first sign-ins the owner of a new default organization", async () => {
    const results = await Promise.allSettled([
      provisionUser(database.db, sso("first@acme.test")),
      provisionUser(database.db, sso("second@acme.test")),
      provisionUser(database.db, sso("third@acme.test")),
    ]);
    const joined = results.filter((r) => r.status === "fulfilled").map((r) => r.value);
    expect(joined).toHaveLength(1);
    expect(joined[0]).toMatchObject({ role: "owner", orgSlug: "default", joinedVia: "first-user" });
    ownerEmail = joined[0]!.email;
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused.map((r) => r.reason.code)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
    expect(await database.db.organization.count()).toBe(1);
    const log = await database.db.adminAuditLog.findFirstOrThrow({ where: { action: "member.join" } });
    expect(log.details).toMatchObject({ via: "first-user", role: "owner" });
  });

  it("lets the owner back in with the same role, and follows an email change at the provider", async () => {
    const again = await provisionUser(database.db, {
      ...sso(ownerEmail.toUpperCase(), ownerEmail),
      name: "First Person",
    });
    expect(again).toMatchObject({ role: "owner", joinedVia: "existing", email: ownerEmail });
    const moved = await provisionUser(database.db, {
      ...sso("first.person@acme.test", ownerEmail),
      name: null,
    });
    expect(moved).toMatchObject({
      userId: again.userId,
      email: "first.person@acme.test",
      name: "First Person",
    });
  });

  it("refuses a stranger with a message naming the email, and writes nothing", async () => {
    const users = await database.db.user.count();
    const error = await refusal(provisionUser(database.db, sso("stranger@elsewhere.test")));
    expect(error).toEqual({
      code: "FORBIDDEN",
      message:
        "stranger@elsewhere.test is not a member of this Portcullis installation; ask an admin for an invitation",
    });
    expect(await database.db.user.count()).toBe(users);
  });

  it("admits an invited email with the invitation's role, once", async () => {
    const owner = await database.db.membership.findFirstOrThrow({ where: { role: "owner" } });
    const invitation = await createInvitation(database.db, {
      orgId: owner.orgId,
      email: "Auditor@Acme.test",
      role: "auditor",
      actor: { type: "user", id: owner.userId, name: "first" },
      actorRole: "owner",
    });
    expect(await findInvitation(database.db, invitation.token)).toMatchObject({
      email: "auditor@acme.test",
      role: "auditor",
      state: "open",
    });
    const joined = await provisionUser(database.db, {
      ...sso("auditor@acme.test"),
      invitationToken: invitation.token,
    });
    expect(joined).toMatchObject({ role: "auditor", joinedVia: "invitation", orgId: owner.orgId });
    expect((await findInvitation(database.db, invitation.token))?.state).toBe("accepted");
    expect(await findInvitation(database.db, "inv_unknown")).toBeUndefined();

    // Inviting a member again is a conflict; an admin cannot mint owners.
    const dup = await refusal(
      createInvitation(database.db, {
        orgId: owner.orgId,
        email: "auditor@acme.test",
        role: "member",
        actor: { type: "user", id: owner.userId },
        actorRole: "owner",
      }),
    );
    expect(dup.code).toBe("CONFLICT");
    const escalation = await refusal(
      createInvitation(database.db, {
        orgId: owner.orgId,
        email: "boss@acme.test",
        role: "owner",
        actor: { type: "user", id: joined.userId },
        actorRole: "admin",
      }),
    );
    expect(escalation).toEqual({ code: "FORBIDDEN", message: "only an owner can invite another owner" });
  });

  it("ignores an expired invitation", async () => {
    const owner = await database.db.membership.findFirstOrThrow({ where: { role: "owner" } });
    const invitation = await createInvitation(database.db, {
      orgId: owner.orgId,
      email: "late@acme.test",
      role: "admin",
      actor: { type: "user", id: owner.userId },
      actorRole: "owner",
      ttlMs: -1000,
    });
    expect((await findInvitation(database.db, invitation.token))?.state).toBe("expired");
    expect((await refusal(provisionUser(database.db, sso("late@acme.test")))).code).toBe("FORBIDDEN");
  });

  it("admits a verified email of an auto-join domain as member, but not an unverified one", async () => {
    await database.db.organization.updateMany({ data: { autoJoinDomains: ["acme.test"] } });
    expect((await refusal(provisionUser(database.db, sso("unverified@acme.test", "u1", false)))).code).toBe(
      "FORBIDDEN",
    );
    const joined = await provisionUser(database.db, sso("dev@ACME.test"));
    expect(joined).toMatchObject({ role: "member", joinedVia: "domain" });
    expect((await refusal(provisionUser(database.db, sso("dev@other.test")))).code).toBe("FORBIDDEN");
  });

  it("refuses a removed member at once: loadMember finds nothing and the next sign-in is refused", async () => {
    await database.db.organization.updateMany({ data: { autoJoinDomains: [] } });
    const auditor = await database.db.user.findUniqueOrThrow({ where: { email: "auditor@acme.test" } });
    expect((await loadMember(database.db, auditor.id))?.role).toBe("auditor");
    await database.db.membership.deleteMany({ where: { userId: auditor.id } });
    expect(await loadMember(database.db, auditor.id)).toBeUndefined();
    expect((await refusal(provisionUser(database.db, sso("auditor@acme.test")))).code).toBe("FORBIDDEN");
  });
});

describe("seedDemoIdentities", () => {
  it("makes the demo approver a member of the demo team, so that they can decide its requests", async () => {
    const users = [
      { email: "approver@example.com", name: "Arlo", role: "approver" as const, teams: ["platform", "nope"] },
    ];
    const empty = await seedDemoIdentities(database.db, { orgSlug: "teams-demo", users });
    expect(empty.missingTeams).toEqual(["platform", "nope"]);
    const teamId = newId("team");
    await database.db.team.create({ data: { id: teamId, orgId: empty.orgId, name: "platform" } });
    const seeded = await seedDemoIdentities(database.db, { orgSlug: "teams-demo", users });
    expect(seeded.missingTeams).toEqual(["nope"]);
    const again = await seedDemoIdentities(database.db, { orgSlug: "teams-demo", users });
    expect(again.missingTeams).toEqual(["nope"]);
    expect(await database.db.teamMember.findMany({ where: { teamId }, select: { userId: true } })).toEqual([
      { userId: seeded.users[0]!.userId },
    ]);
  });

  it("gives the demo people their roles, idempotently, and sign-in keeps them", async () => {
    const users = [
      { email: "admin@example.com", name: "Ada Admin", role: "admin" as const },
      { email: "member@example.com", name: "Max Member", role: "member" as const },
    ];
    const first = await seedDemoIdentities(database.db, { orgSlug: "demo", users });
    const logs = await database.db.adminAuditLog.count({ where: { orgId: first.orgId } });
    const second = await seedDemoIdentities(database.db, { orgSlug: "demo", users });
    expect(second.users.map((u) => u.userId)).toEqual(first.users.map((u) => u.userId));
    expect(await database.db.adminAuditLog.count({ where: { orgId: first.orgId } })).toBe(logs);

    const admin = await provisionUser(database.db, sso("admin@example.com", "demo-admin"));
    expect(admin).toMatchObject({ role: "admin", orgSlug: "demo", joinedVia: "existing" });
    const member = await loadMember(database.db, first.users[1]!.userId);
    expect(member).toMatchObject({
      role: "member",
      org: { slug: "demo" },
      user: { email: "member@example.com" },
    });
  });

  it("writes into an existing organization without touching its other members", async () => {
    const orgId = newId("organization");
    await database.db.organization.create({ data: { id: orgId, slug: "existing", name: "Existing" } });
    const seeded = await seedDemoIdentities(database.db, {
      orgSlug: "existing",
      users: [{ email: "approver@example.com", name: "Arlo", role: "approver" }],
    });
    expect(seeded.orgId).toBe(orgId);
    expect(await database.db.membership.count({ where: { orgId } })).toBe(1);
  });
});
