import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSnapshot } from "./compile-snapshot";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_people" });
  const { db } = database;
  await db.organization.create({ data: { id: "org_a", name: "A", slug: "a" } });
  await db.organization.create({ data: { id: "org_b", name: "B", slug: "b" } });
  await db.team.create({ data: { id: "team_a1", orgId: "org_a", name: "platform" } });
  await db.team.create({ data: { id: "team_b1", orgId: "org_b", name: "sales" } });
  await db.user.create({ data: { id: "usr_ada", email: "ada@example.com", name: "Ada" } });
  await db.user.create({ data: { id: "usr_bob", email: "bob@example.com" } });
  await db.membership.create({ data: { id: "mem_1", orgId: "org_a", userId: "usr_ada" } });
  await db.membership.create({ data: { id: "mem_2", orgId: "org_b", userId: "usr_ada" } });
  await db.membership.create({
    data: { id: "mem_3", orgId: "org_a", userId: "usr_bob", suspendedAt: new Date() },
  });
  await db.teamMember.create({ data: { id: "tm_1", teamId: "team_a1", userId: "usr_ada" } });
  await db.teamMember.create({ data: { id: "tm_2", teamId: "team_b1", userId: "usr_ada" } });
  const connection = {
    userId: "usr_ada",
    clientId: "c",
    clientName: "C",
    redirectUri: "http://127.0.0.1/cb",
  };
  await db.oAuthConnection.create({
    data: { id: "occ_1", orgId: "org_a", grantId: "g_live", ...connection },
  });
  await db.oAuthConnection.create({
    data: { id: "occ_2", orgId: "org_a", grantId: "g_revoked", revokedAt: new Date(), ...connection },
  });
  await db.oAuthConnection.create({
    data: {
      id: "occ_3",
      orgId: "org_a",
      grantId: "g_long_ago",
      revokedAt: new Date(Date.now() - 2 * 24 * 3600 * 1000),
      ...connection,
    },
  });
});
afterAll(async () => database?.drop());

describe("people in the snapshot", () => {
  it("lists one entry per membership, with that organization's teams and the suspension", async () => {
    const snapshot = await compileSnapshot(database.db, 1);
    expect(snapshot.people).toEqual([
      {
        id: "usr_ada",
        orgId: "org_a",
        email: "ada@example.com",
        name: "Ada",
        teamIds: ["team_a1"],
        status: "active",
      },
      {
        id: "usr_bob",
        orgId: "org_a",
        email: "bob@example.com",
        name: null,
        teamIds: [],
        status: "suspended",
      },
      {
        id: "usr_ada",
        orgId: "org_b",
        email: "ada@example.com",
        name: "Ada",
        teamIds: ["team_b1"],
        status: "active",
      },
    ]);
  });

  it("lists client connections revoked while their tokens may live, not older ones", async () => {
    expect((await compileSnapshot(database.db, 1)).revokedOAuthGrants).toEqual(["g_revoked"]);
    expect((await compileSnapshot(database.db, 1, { orgId: "org_b" })).revokedOAuthGrants).toEqual([]);
  });
});
