import { isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvitation } from "./create-invitation";
import { findInvitation } from "./find-invitation";
import { provisionUser, type SsoIdentity } from "./provision-user";

// Issue #10 point 2: an identity is (issuer, sub). These are the attacks a reviewer found:
// an unverified (or foreign) email opening someone else's account, and invitations claimed
// by knowing the invited address.

const ISSUER = "https://sso.acme.test";
let database: TestDatabase;
let orgId = "";
let ownerId = "";

const identity = (email: string, sub: string, extra: Partial<SsoIdentity> = {}): SsoIdentity => ({
  email,
  name: null,
  emailVerified: true,
  provider: "oidc",
  issuer: ISSUER,
  providerAccountId: sub,
  ...extra,
});

async function refusal(
  promise: Promise<unknown>,
): Promise<{ code: string; reason?: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, reason: error.details?.reason, message: error.message };
    throw error;
  }
  throw new Error("expected a refusal");
}

async function invite(email: string) {
  return createInvitation(database.db, {
    orgId,
    email,
    role: "admin",
    actor: { type: "user", id: ownerId },
    actorRole: "owner",
  });
}

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_identity_security" });
  const owner = await provisionUser(database.db, identity("owner@acme.test", "owner-sub"));
  orgId = owner.orgId;
  ownerId = owner.userId;
});
afterAll(async () => {
  await database?.drop();
});

describe("provisionUser links people by (issuer, subject)", () => {
  it("never lets an unverified email open an existing person", async () => {
    const error = await refusal(
      provisionUser(database.db, identity("owner@acme.test", "attacker-sub", { emailVerified: false })),
    );
    expect(error.code).toBe("FORBIDDEN");
    const accounts = await database.db.account.findMany({ where: { userId: ownerId } });
    expect(accounts.map((a) => a.providerAccountId)).toEqual(["owner-sub"]);
  });

  it("does not link a second identity to a person by a verified email either", async () => {
    const error = await refusal(provisionUser(database.db, identity("owner@acme.test", "other-sub")));
    expect(error).toMatchObject({ code: "FORBIDDEN", reason: "identity-taken" });
    expect(await database.db.account.count({ where: { userId: ownerId } })).toBe(1);
  });

  it("treats the same subject at another issuer as another identity", async () => {
    const error = await refusal(
      provisionUser(database.db, identity("owner@acme.test", "owner-sub", { issuer: "https://evil.test" })),
    );
    expect(error.code).toBe("FORBIDDEN");
    const owner = await provisionUser(database.db, identity("owner@acme.test", "owner-sub"));
    expect(owner).toMatchObject({ userId: ownerId, role: "owner", joinedVia: "existing" });
  });

  it("keeps the stored email when the provider changes it without verifying it", async () => {
    const again = await provisionUser(
      database.db,
      identity("someone.else@acme.test", "owner-sub", { emailVerified: false }),
    );
    expect(again.email).toBe("owner@acme.test");
  });

  it("adopts an identity linked before issuers were recorded, and records the issuer", async () => {
    const userId = newId("user");
    await database.db.user.create({ data: { id: userId, email: "legacy@acme.test" } });
    await database.db.membership.create({ data: { id: newId("membership"), orgId, userId, role: "member" } });
    await database.db.account.create({
      data: { id: newId("account"), userId, type: "oidc", provider: "oidc", providerAccountId: "legacy-sub" },
    });
    const member = await provisionUser(database.db, identity("legacy@acme.test", "legacy-sub"));
    expect(member).toMatchObject({ userId, joinedVia: "existing" });
    const account = await database.db.account.findFirstOrThrow({ where: { userId } });
    expect(account.issuer).toBe(ISSUER);
  });

  it("lets a verified email claim a person pre-provisioned without an identity, but not an unverified one", async () => {
    const userId = newId("user");
    await database.db.user.create({ data: { id: userId, email: "seeded@acme.test" } });
    await database.db.membership.create({
      data: { id: newId("membership"), orgId, userId, role: "auditor" },
    });
    const unverified = await refusal(
      provisionUser(database.db, identity("seeded@acme.test", "seed-attacker", { emailVerified: false })),
    );
    expect(unverified.code).toBe("FORBIDDEN");
    expect(await database.db.account.count({ where: { userId } })).toBe(0);
    const claimed = await provisionUser(database.db, identity("seeded@acme.test", "seed-sub"));
    expect(claimed).toMatchObject({ userId, role: "auditor", joinedVia: "existing" });
  });
});

describe("provisionUser accepts an invitation only through its link", () => {
  it("does not admit the invited email without the link", async () => {
    const invitation = await invite("invitee@acme.test");
    const error = await refusal(provisionUser(database.db, identity("invitee@acme.test", "invitee-sub")));
    expect(error.code).toBe("FORBIDDEN");
    expect((await findInvitation(database.db, invitation.token))?.state).toBe("open");
  });

  it("refuses the link to an unverified email, and to another verified address", async () => {
    const invitation = await invite("careful@acme.test");
    const unverified = await refusal(
      provisionUser(
        database.db,
        identity("careful@acme.test", "careful-sub", {
          emailVerified: false,
          invitationToken: invitation.token,
        }),
      ),
    );
    expect(unverified).toMatchObject({ code: "FORBIDDEN", reason: "invitation-unverified" });
    const other = await refusal(
      provisionUser(
        database.db,
        identity("forwarded@acme.test", "fwd-sub", { invitationToken: invitation.token }),
      ),
    );
    expect(other).toMatchObject({ code: "FORBIDDEN", reason: "invitation-email" });
    expect(other.message).not.toContain("careful@acme.test");
    expect((await findInvitation(database.db, invitation.token))?.state).toBe("open");
    expect(
      await database.db.user.count({
        where: { email: { in: ["careful@acme.test", "forwarded@acme.test"] } },
      }),
    ).toBe(0);
  });

  it("admits the invited verified address once: the link is single-use", async () => {
    const invitation = await invite("once@acme.test");
    const joined = await provisionUser(
      database.db,
      identity("once@acme.test", "once-sub", { invitationToken: invitation.token }),
    );
    expect(joined).toMatchObject({ role: "admin", joinedVia: "invitation", orgId });
    expect((await findInvitation(database.db, invitation.token))?.state).toBe("accepted");

    // Removed, the same person cannot come back through the same link.
    await database.db.membership.deleteMany({ where: { userId: joined.userId } });
    const reused = await refusal(
      provisionUser(
        database.db,
        identity("once@acme.test", "once-sub", { invitationToken: invitation.token }),
      ),
    );
    expect(reused).toMatchObject({ code: "FORBIDDEN", reason: "invitation-invalid" });
  });
});
