import { hashApiKey } from "@portcullis/auth/api-keys";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedTeamWithAgent } from "../../testing/seed";

let h: ApiHarness;
let platform: string;
let data: string;
let theirAgent: string;
let theirTeam: string;

beforeAll(async () => {
  h = await startApiHarness("agents");
  platform = (await seedTeamWithAgent(h.database.db, { orgId: h.orgId, team: "platform" })).teamId;
  data = (await seedTeamWithAgent(h.database.db, { orgId: h.orgId, team: "data" })).teamId;
  const theirs = await seedTeamWithAgent(h.database.db, {
    orgId: h.otherOrgId,
    team: "platform",
    agent: "spy",
  });
  theirAgent = theirs.agentId!;
  theirTeam = theirs.teamId;
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("agents and keys · happy path", () => {
  it("creates an agent, moves it, disables it and deletes it; the snapshot follows", async () => {
    const admin = await h.as("admin");
    const { id } = await admin.agents.create({ name: "ci-bot", teamId: platform, description: "CI" });
    expect(await admin.agents.list()).toEqual([
      expect.objectContaining({
        id,
        name: "ci-bot",
        teamId: platform,
        teamName: "platform",
        status: "active",
        keyCount: 0,
      }),
    ]);
    expect((await servedSnapshot(h.redis, h.names())).agents.find((a) => a.id === id)?.teamName).toBe(
      "platform",
    );

    expect((await admin.agents.update({ id, teamId: data })).changed).toEqual(["teamId"]);
    expect((await servedSnapshot(h.redis, h.names())).agents.find((a) => a.id === id)?.teamName).toBe("data");
    expect((await admin.agents.list({ teamId: platform })).map((a) => a.id)).not.toContain(id);

    await admin.agents.setStatus({ id, status: "disabled" });
    expect((await servedSnapshot(h.redis, h.names())).agents.find((a) => a.id === id)?.status).toBe(
      "disabled",
    );
    await admin.agents.delete({ id });
    expect((await servedSnapshot(h.redis, h.names())).agents.find((a) => a.id === id)).toBeUndefined();
    const audit = await h.database.db.adminAuditLog.findMany({
      where: { targetId: id },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => a.action)).toEqual([
      "agent.create",
      "agent.update",
      "agent.disable",
      "agent.delete",
    ]);
  });

  it("shows a new key once with an mcp.json; lists keys without secrets; a revoked key leaves the next snapshot", async () => {
    const admin = await h.as("admin");
    const { id: agentId } = await admin.agents.create({ name: "key-holder", teamId: platform });
    const expiresAt = new Date(Date.now() + 7 * 86_400_000);
    const created = await admin.keys.create({ agentId, name: "laptop", expiresAt });
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.expiresAt).toEqual(expiresAt);
    expect(JSON.parse(created.mcpJson)).toEqual({
      mcpServers: {
        portcullis: {
          type: "http",
          url: "http://127.0.0.1:4000/mcp",
          headers: { Authorization: `Bearer ${created.key}` },
        },
      },
    });

    let served = await servedSnapshot(h.redis, h.names());
    expect(served.keys.find((k) => k.id === created.id)?.hash).toBe(hashApiKey(created.key));
    expect((await admin.agents.list()).find((a) => a.id === agentId)?.keyCount).toBe(1);

    const listed = await (await h.as("auditor")).keys.list({ agentId });
    expect(listed).toEqual([
      expect.objectContaining({ id: created.id, name: "laptop", prefix: created.prefix, revokedAt: null }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(JSON.stringify(listed)).not.toContain(hashApiKey(created.key));

    const revoked = await admin.keys.revoke({ id: created.id });
    expect(revoked.alreadyRevoked).toBe(false);
    served = await servedSnapshot(h.redis, h.names());
    expect(served.keys.map((k) => k.id)).not.toContain(created.id);
    expect((await admin.keys.revoke({ id: created.id })).alreadyRevoked).toBe(true);
    expect((await admin.keys.list({ agentId }))[0]!.revokedAt).toEqual(revoked.revokedAt);
  });
});

describe("agents and keys · errors and security", () => {
  it("validates names, teams and expiries", async () => {
    const admin = await h.as("admin");
    expect((await caught(admin.agents.create({ name: "CI Bot", teamId: platform }))).code).toBe(
      "BAD_REQUEST",
    );
    expect((await caught(admin.agents.create({ name: "x", teamId: "team_nope" }))).code).toBe("NOT_FOUND");
    await admin.agents.create({ name: "twice", teamId: platform });
    const dup = await caught(admin.agents.create({ name: "twice", teamId: data }));
    expect(dup).toMatchObject({ code: "CONFLICT", message: 'an agent named "twice" already exists' });
    const agentId = (await admin.agents.list()).find((a) => a.name === "twice")!.id;
    const past = await caught(admin.keys.create({ agentId, expiresAt: new Date(Date.now() - 1000) }));
    expect(past.code).toBe("BAD_REQUEST");
  });

  it("gives keys to keys.write only; members see agents but cannot change them", async () => {
    const admin = await h.as("admin");
    const { id: agentId } = await admin.agents.create({ name: "guarded", teamId: platform });
    const { id: keyId } = await admin.keys.create({ agentId });
    for (const person of ["member", "auditor", "approver"] as const) {
      const caller = await h.as(person);
      expect((await caller.agents.list()).map((a) => a.name)).toContain("guarded");
      expect((await caught(caller.keys.create({ agentId }))).message).toBe(
        "not allowed: this needs the 'keys.write' permission",
      );
      expect((await caught(caller.keys.revoke({ id: keyId }))).code).toBe("FORBIDDEN");
      expect((await caught(caller.agents.delete({ id: agentId }))).message).toBe(
        "not allowed: this needs the 'agents.write' permission",
      );
    }
    expect(await h.database.db.apiKey.count({ where: { agentId } })).toBe(1);
  });

  it("treats another organization's agents, teams and keys as missing", async () => {
    const outsider = await h.as("outsider");
    const theirKey = await outsider.keys.create({ agentId: theirAgent });
    const admin = await h.as("admin");
    const attempts = [
      () => admin.agents.get({ id: theirAgent }),
      () => admin.agents.update({ id: theirAgent, name: "mine" }),
      () => admin.agents.delete({ id: theirAgent }),
      () => admin.agents.create({ name: "infiltrator", teamId: theirTeam }),
      () => admin.keys.list({ agentId: theirAgent }),
      () => admin.keys.create({ agentId: theirAgent }),
      () => admin.keys.revoke({ id: theirKey.id }),
    ];
    for (const attempt of attempts) expect((await caught(attempt())).code).toBe("NOT_FOUND");
    const served = await servedSnapshot(h.redis, h.names());
    expect(served.keys.map((k) => k.id)).toContain(theirKey.id);
  });
});
