import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { caught } from "../../testing/caught";
import { type ApiHarness, servedSnapshot, startApiHarness } from "../../testing/harness";
import { seedServerWithTools, seedTeamWithAgent } from "../../testing/seed";

let h: ApiHarness;
const ids = {} as { platform: string; ciBot: string; docs: string; theirServer: string };

beforeAll(async () => {
  h = await startApiHarness("item_grants");
  const { db } = h.database;
  const platform = await seedTeamWithAgent(db, { orgId: h.orgId, team: "platform", agent: "ci-bot" });
  const docs = await seedServerWithTools(db, { orgId: h.orgId, name: "docs", tools: ["search"] });
  const theirServer = await seedServerWithTools(db, { orgId: h.otherOrgId, name: "docs", tools: ["search"] });
  Object.assign(ids, {
    platform: platform.teamId,
    ciBot: platform.agentId!,
    docs: docs.serverId,
    theirServer: theirServer.serverId,
  });
});
afterAll(async () => h?.close());
beforeEach(() => h.beginTest());

describe("itemGrants", () => {
  it("sets resource and prompt grants, publishes them, previews them, and deletes them (.happy)", async () => {
    const admin = await h.as("admin");
    const team = { type: "team" as const, id: ids.platform };
    const agent = { type: "agent" as const, id: ids.ciBot };
    const allow = await admin.itemGrants.set({
      subject: team,
      serverId: ids.docs,
      kind: "resource",
      pattern: "docs://public/*",
      effect: "allow",
    });
    expect(allow.action).toBe("create");
    await admin.itemGrants.set({
      subject: agent,
      serverId: ids.docs,
      kind: "resource",
      pattern: "docs://public/secret*",
      effect: "deny",
      reason: "not for CI",
    });
    await admin.itemGrants.set({
      subject: team,
      serverId: ids.docs,
      kind: "prompt",
      pattern: "*",
      effect: "allow",
    });
    expect(
      (
        await admin.itemGrants.set({
          subject: team,
          serverId: ids.docs,
          kind: "resource",
          pattern: "docs://public/*",
          effect: "allow",
        })
      ).action,
    ).toBe("none");

    const served = await servedSnapshot(h.redis, h.names());
    expect(served.grants).toEqual([]);
    expect(served.resourceGrants.map((g) => [g.pattern, g.effect])).toEqual(
      expect.arrayContaining([
        ["docs://public/*", "allow"],
        ["docs://public/secret*", "deny"],
      ]),
    );
    expect(served.promptGrants.map((g) => g.pattern)).toEqual(["*"]);

    const preview = await (await h.as("auditor")).itemGrants.preview({ agentId: ids.ciBot });
    expect(
      preview.map((r) => `${r.serverName} ${r.kind} ${r.effect} ${r.pattern} via ${r.via}`).sort(),
    ).toEqual([
      "docs prompt allow * via team",
      "docs resource allow docs://public/* via team",
      "docs resource deny docs://public/secret* via agent",
    ]);

    await admin.itemGrants.delete({ id: allow.id });
    const listed = await admin.itemGrants.list({ serverId: ids.docs });
    expect(listed.map((g) => `${g.kind}:${g.pattern}`).sort()).toEqual([
      "prompt:*",
      "resource:docs://public/secret*",
    ]);
    // Only deny left on resources: the preview shows no resource rule (nothing is served).
    expect((await admin.itemGrants.preview({ agentId: ids.ciBot })).map((r) => r.kind)).toEqual(["prompt"]);
  });

  it("refuses approve, and writes by people without grants.write or of another organization (.error/.security)", async () => {
    const admin = await h.as("admin");
    const approve = await caught(
      admin.itemGrants.set({
        subject: { type: "team", id: ids.platform },
        serverId: ids.docs,
        kind: "prompt",
        pattern: "*",
        effect: "approve" as "allow",
      }),
    );
    expect(approve.code).toBe("BAD_REQUEST");
    const input = {
      subject: { type: "team" as const, id: ids.platform },
      serverId: ids.docs,
      kind: "resource" as const,
      pattern: "*",
      effect: "allow" as const,
    };
    expect((await caught((await h.as("auditor")).itemGrants.set(input))).code).toBe("FORBIDDEN");
    expect((await caught((await h.as("outsider")).itemGrants.set(input))).code).toBe("NOT_FOUND");
    expect((await caught(admin.itemGrants.set({ ...input, serverId: ids.theirServer }))).code).toBe(
      "NOT_FOUND",
    );
  });
});
