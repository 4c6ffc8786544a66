import { hashApiKey } from "@portcullis/auth/api-keys";
import { isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileSnapshot } from "../snapshots/compile-snapshot";
import { createApiKey } from "./create-api-key";
import { listApiKeys } from "./list-api-keys";
import { revokeApiKey } from "./revoke-api-key";

const actor = { type: "cli" as const, name: "test" };
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ name: "control_keys" });
  const orgId = newId("organization");
  const teamId = newId("team");
  await database.db.organization.create({ data: { id: orgId, name: "Acme", slug: "acme" } });
  await database.db.team.create({ data: { id: teamId, orgId, name: "platform" } });
  await database.db.agent.create({ data: { id: newId("agent"), orgId, teamId, name: "ci-bot" } });
});

afterAll(async () => {
  await database?.drop();
});

describe("agent API keys", () => {
  it("stores only the hash of a new key and audits its creation", async () => {
    const expiresAt = new Date(Date.now() + 86_400_000);
    const created = await createApiKey(database.db, { agentName: "ci-bot", name: "ci", expiresAt, actor });
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const row = await database.db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.hash).toBe(hashApiKey(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(row.expiresAt?.getTime()).toBe(expiresAt.getTime());
    const log = await database.db.adminAuditLog.findFirstOrThrow({ where: { targetId: created.id } });
    expect(log).toMatchObject({ action: "api_key.create", actorType: "cli", actorName: "test" });
    expect(JSON.stringify(log.details)).not.toContain(created.key);

    const snapshot = await compileSnapshot(database.db, 1);
    expect(snapshot.keys.find((k) => k.id === created.id)?.hash).toBe(row.hash);
  });

  it("drops a revoked key from the next snapshot; revoking again changes nothing", async () => {
    const created = await createApiKey(database.db, { agentName: "ci-bot", actor });
    const revoked = await revokeApiKey(database.db, { keyIdOrPrefix: created.prefix, actor });
    expect(revoked).toMatchObject({ id: created.id, agentName: "ci-bot", alreadyRevoked: false });
    expect((await compileSnapshot(database.db, 2)).keys.map((k) => k.id)).not.toContain(created.id);

    const again = await revokeApiKey(database.db, { keyIdOrPrefix: created.id, actor });
    expect(again).toMatchObject({ alreadyRevoked: true, revokedAt: revoked.revokedAt });
    expect(
      await database.db.adminAuditLog.count({ where: { targetId: created.id, action: "api_key.revoke" } }),
    ).toBe(1);

    const listed = await listApiKeys(database.db, "ci-bot");
    expect(listed.find((k) => k.id === created.id)?.revokedAt).toEqual(revoked.revokedAt);
    expect(listed[0]).not.toHaveProperty("hash");
  });

  it("refuses unknown agents and keys, and expiries in the past", async () => {
    const unknownAgent = await createApiKey(database.db, { agentName: "nobody", actor }).catch(
      (e: unknown) => e,
    );
    expect(isAppError(unknownAgent) && unknownAgent.message).toBe(
      'agent "nobody" does not exist in organization "acme"',
    );
    await expect(revokeApiKey(database.db, { keyIdOrPrefix: "pcs_nothere", actor })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(
      createApiKey(database.db, { agentName: "ci-bot", expiresAt: new Date(Date.now() - 1000), actor }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});
