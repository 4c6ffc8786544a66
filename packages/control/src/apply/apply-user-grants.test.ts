import { secretKeyFrom } from "@portcullis/auth/secrets";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listGrants } from "../grants/list-grants";
import { setGrant } from "../grants/set-grant";
import { listItemGrants } from "../item-grants/list-item-grants";
import { removeMember } from "../members/remove-member";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import { applyConfig } from "./apply-config";
import { parseConfigText } from "./load-config-file";

const secretKey = secretKeyFrom("apply-user-grants-secret-0123456789abcdef");
const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;
let orgId: string;

const file = (grants: string) => `
organization: acme
servers:
  - { name: docs, transport: streamable-http, url: "http://127.0.0.1:3901/mcp" }
teams: [{ name: platform }]
grants:
${grants}`;
const apply = async (text: string, dryRun = false) =>
  applyConfig(database.db, parseConfigText(text, "portcullis.yaml"), { actor, env: {}, secretKey, dryRun });
const caught = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as Error & { code?: string },
  );

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_apply_user_grants" });
  await apply(file("  - { team: platform, server: docs, tools: [search] }\n"));
  orgId = (await database.db.organization.findUniqueOrThrow({ where: { slug: "acme" } })).id;
  for (const [id, email] of [
    ["usr_alice", "alice@example.com"],
    ["usr_bob", "bob@example.com"],
  ] as const) {
    await database.db.user.create({ data: { id, email } });
    await database.db.membership.create({ data: { id: `mem_${id}`, orgId, userId: id, role: "member" } });
  }
  const team = await database.db.team.findFirstOrThrow({ where: { orgId, name: "platform" } });
  await database.db.teamMember.create({ data: { id: "tm_bob", teamId: team.id, userId: "usr_bob" } });
});

afterAll(async () => {
  await database?.drop();
});

describe("grants that name people in the apply file (user: email)", () => {
  const GRANTS = `  - { team: platform, server: docs, tools: [search] }
  - { user: Alice@Example.com, server: docs, tools: ["delete_*"], effect: approve, reason: "ask first" }
  - { user: alice@example.com, server: docs, resources: ["docs://alice/*"] }
`;

  it("creates them keyed by the lower-cased email, publishes userId and the people, and re-applies as a no-op", async () => {
    const plan = await apply(file(GRANTS));
    expect(plan.map((c) => `${c.action} ${c.name}`)).toEqual([
      "create user:alice@example.com/docs/delete_*",
      "create user:alice@example.com/docs/resource:docs://alice/*",
    ]);
    expect(await apply(file(GRANTS))).toEqual([]);

    const snapshot = await compileSnapshot(database.db, 1);
    const own = snapshot.grants.find((g) => g.userId === "usr_alice");
    expect(own).toMatchObject({ teamId: null, agentId: null, toolPattern: "delete_*", effect: "approve" });
    expect(snapshot.resourceGrants.map((g) => [g.userId, g.pattern])).toEqual([
      ["usr_alice", "docs://alice/*"],
    ]);
    const bob = snapshot.people.find((p) => p.email === "bob@example.com");
    expect(bob?.teamIds).toHaveLength(1);
    expect(snapshot.people.map((p) => p.email).sort()).toEqual(["alice@example.com", "bob@example.com"]);
  });

  it("refuses an email that is no member, naming the entry, and writes nothing", async () => {
    const error = await caught(
      apply(
        file(`  - { team: platform, server: docs, tools: [search, fetch] }
  - { user: carol@example.com, server: docs, tools: [search, fetch] }
  - { user: alice@example.com, server: docs, tools: ["delete_*"], effect: approve, reason: "ask first" }
`),
      ),
    );
    expect(error?.code).toBe("INVALID_INPUT");
    expect(error?.message).toContain(
      'grants[1].user: "carol@example.com" is not a member of organization "acme"',
    );
    // Reported once per entry, not once per tool pattern.
    expect(error?.message.match(/carol/g)).toHaveLength(1);
    expect(await database.db.grant.count({ where: { toolPattern: "fetch" } })).toBe(0);
  });

  it("refuses a grant naming both a team and a user", async () => {
    const error = await caught(
      apply(file("  - { team: platform, user: alice@example.com, server: docs, tools: [search] }\n")),
    );
    expect(error?.message).toContain("a grant names exactly one of team, agent or user");
  });

  it("means the same as the console: a console-made user grant is the file's entry, and the file deletes one it lacks", async () => {
    const server = await database.db.server.findFirstOrThrow({ where: { orgId, name: "docs" } });
    const made = await setGrant(database.db, {
      orgId,
      actor,
      grant: {
        subject: { type: "user", id: "usr_bob" },
        serverId: server.id,
        toolPattern: "fetch",
        effect: "deny",
      },
    });
    expect(made).toMatchObject({ action: "create", key: "user:bob@example.com/docs/fetch" });
    const listed = await listGrants(database.db, { orgId, subject: { type: "user", id: "usr_bob" } });
    expect(listed.map((g) => [g.subject, g.toolPattern])).toEqual([
      [{ type: "user", id: "usr_bob", name: "bob@example.com" }, "fetch"],
    ]);
    const withBob = `${GRANTS}  - { user: bob@example.com, server: docs, tools: [fetch], effect: deny }\n`;
    expect(await apply(file(withBob), true)).toEqual([]);
    expect((await apply(file(GRANTS))).map((c) => `${c.action} ${c.name}`)).toEqual([
      "delete user:bob@example.com/docs/fetch",
    ]);
  });

  it("refuses a console grant for someone who is not a member", async () => {
    const server = await database.db.server.findFirstOrThrow({ where: { orgId, name: "docs" } });
    await database.db.user.create({ data: { id: "usr_stranger", email: "stranger@example.com" } });
    const error = await caught(
      setGrant(database.db, {
        orgId,
        actor,
        grant: {
          subject: { type: "user", id: "usr_stranger" },
          serverId: server.id,
          toolPattern: "*",
          effect: "allow",
        },
      }),
    );
    expect(error?.code).toBe("NOT_FOUND");
  });

  it("scopes a policy to people by email: stored by id, re-applied as a no-op, unknown people refused", async () => {
    const policy = (users: string) => `${GRANTS}policies:
  - name: bob-limit
    kind: rate_limit
    scope: { users: [${users}] }
    config: { limits: [{ per: user, window: minute, max: 5 }] }
`;
    const withPolicy = (users: string) => file(policy(users));
    expect((await apply(withPolicy("Bob@Example.com"))).map((c) => `${c.action} ${c.name}`)).toEqual([
      "create bob-limit",
    ]);
    const row = await database.db.policy.findFirstOrThrow({ where: { orgId, name: "bob-limit" } });
    expect(row.scope).toMatchObject({ users: ["usr_bob"] });
    expect(await apply(withPolicy("bob@example.com"))).toEqual([]);
    const snapshot = await compileSnapshot(database.db, 3);
    expect(snapshot.policies.find((p) => p.name === "bob-limit")?.scope.users).toEqual(["usr_bob"]);
    const error = await caught(apply(withPolicy("carol@example.com")));
    expect(error?.message).toContain(
      'policies[0].scope.users[0]: "carol@example.com" is not a member of the organization "acme"',
    );
  });

  it("deletes a person's grants when they leave the organization", async () => {
    await removeMember(database.db, { orgId, actor, actorRole: "owner", userId: "usr_alice" });
    expect(await listGrants(database.db, { orgId, subject: { type: "user", id: "usr_alice" } })).toEqual([]);
    expect(await listItemGrants(database.db, { orgId, subject: { type: "user", id: "usr_alice" } })).toEqual(
      [],
    );
    const snapshot = await compileSnapshot(database.db, 2);
    expect(snapshot.people.map((p) => p.email)).toEqual(["bob@example.com"]);
  });
});
